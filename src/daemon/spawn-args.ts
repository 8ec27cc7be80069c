// How a daemon is started: the entry script, `daemon serve`, and the flags of its host settings.

/** The entry script and flags that start a daemon with these settings. */
export function daemonSpawnArgs(settingFlags: string[]): string[] {
  return [process.argv[1], 'daemon', 'serve', ...settingFlags];
}
