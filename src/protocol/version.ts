// The control socket's protocol number, independent of the package version. Bump it whenever a
// message changes shape or meaning, so that a peer of another version is refused with both
// numbers instead of misread. 2: methods in one table (host.*, daemon.* named apart from the
// tools'), progress frames, attach results before their stream, unknown_method.
export const PROTOCOL_VERSION = 2;
