// The control socket's protocol number, independent of the package version. Bump it whenever a
// message changes shape or meaning, so that a peer of another version is refused with both
// numbers instead of misread.
export const PROTOCOL_VERSION = 1;
