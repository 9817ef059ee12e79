/**
 * The environment variables aigw reads, in one place: `aigw help environment`, the man page and the
 * README's table are all made from this list.
 */
export interface EnvVar {
  name: string;
  meaning: string;
}

export const ENVIRONMENT: readonly EnvVar[] = [
  { name: 'AIGW_HOME', meaning: 'keep all of aigw\'s state under this one directory (data/, config/, state/, run/) instead of the XDG directories' },
  { name: 'AIGW_SECRET_STORE', meaning: 'where provider key values live: auto (default: with AIGW_DATABASE_URL the database, else the OS keychain when reachable, else the encrypted file), keychain, file or database (encrypted in PostgreSQL, for replicas)' },
  { name: 'AIGW_MASTER_KEY', meaning: 'the passphrase of the encrypted-file store, instead of the master key file (for servers and CI)' },
  { name: 'AIGW_MASTER_KEY_FILE', meaning: 'the master key file of the database secret store (32 random bytes in base64, mode 0600; the same on every replica), when AIGW_MASTER_KEY is not set' },
  { name: 'AIGW_PREVIOUS_MASTER_KEY', meaning: 'while changing the database secret store\'s master key: the old passphrase, which still opens what `aigw secrets rewrap` has not re-wrapped' },
  { name: 'AIGW_PREVIOUS_MASTER_KEY_FILE', meaning: 'the same, as the old master key file' },
  { name: 'AIGW_DATABASE_URL', meaning: 'keep the Store in this PostgreSQL database (postgres://…), which several daemons may share; unset: the SQLite file. --database-url wins' },
  { name: 'AIGW_KEYCHAIN_TIMEOUT_MS', meaning: 'how long one OS keychain call may take before it counts as unreachable (default 5000)' },
  { name: 'AIGW_GATEWAY_LISTEN', meaning: 'where the gateway listens, as host:port (default 127.0.0.1:9271); --gateway-listen wins' },
  { name: 'AIGW_GATEWAY_ALLOWED_HOSTS', meaning: 'extra Host names the gateway answers to, comma-separated (a reverse proxy\'s name; name:port matches that port only); loopback names always work' },
  { name: 'AIGW_GATEWAY_ALLOWED_ORIGINS', meaning: 'browser origins allowed to call the gateway, comma-separated (https://app.example, or * for any); none by default, so no CORS headers' },
  { name: 'AIGW_GATEWAY_BODY_LIMIT', meaning: 'the largest gateway request body, such as 10MiB (default 32MiB); larger ones get a 413' },
  { name: 'AIGW_METRICS_LISTEN', meaning: 'serve Prometheus metrics at /metrics on this host:port, a listener of its own (off by default); --metrics-listen wins' },
  { name: 'AIGW_DRAIN_TIMEOUT', meaning: 'how long a stopping daemon lets in-flight gateway requests finish, as a duration such as 30s (default 10s)' },
  { name: 'AIGW_CONTROL_URL', meaning: 'make the CLI use a daemon\'s management API over TCP (https://host:port; http:// to a loopback address only) instead of the local socket; never starts a daemon' },
  { name: 'AIGW_CONTROL_TOKEN', meaning: 'the bearer token for AIGW_CONTROL_URL (wins over --token-file); never passed to the children of aigw run' },
  { name: 'AIGW_CONTROL_TOKEN_FILE', meaning: 'the bearer token file for AIGW_CONTROL_URL, as --token-file (default for a loopback URL only: control-token in the config directory)' },
  { name: 'AIGW_CONTROL_CA', meaning: 'a PEM file of the CA (or the self-signed certificate) to trust for an https:// AIGW_CONTROL_URL' },
  { name: 'AIGW_CONTROL_LISTEN', meaning: 'also serve the management API on this host:port, only with a bearer token (control-token of the config directory, or a named one); --control-listen wins' },
  { name: 'AIGW_CONTROL_TLS_CERT', meaning: 'the PEM certificate that makes AIGW_CONTROL_LISTEN serve HTTPS (needed off loopback); --tls-cert wins' },
  { name: 'AIGW_CONTROL_TLS_KEY', meaning: 'the PEM private key of AIGW_CONTROL_TLS_CERT; --tls-key wins' },
  { name: 'AIGW_LOG_LEVEL', meaning: "the daemon's log level: fatal, error, warn, info (default), debug or trace" },
  { name: 'AIGW_DEBUG', meaning: 'when set, an unexpected error also prints its stack trace' },
  { name: 'XDG_DATA_HOME', meaning: 'the store goes in $XDG_DATA_HOME/aigw (default ~/.local/share/aigw)' },
  { name: 'XDG_CONFIG_HOME', meaning: 'the master key file goes in $XDG_CONFIG_HOME/aigw (default ~/.config/aigw)' },
  { name: 'XDG_STATE_HOME', meaning: "the daemon's log goes in $XDG_STATE_HOME/aigw (default ~/.local/state/aigw)" },
  { name: 'XDG_RUNTIME_DIR', meaning: 'the control socket, pid and lock files go in $XDG_RUNTIME_DIR/aigw (default: run/ under the state directory)' },
  { name: 'TMPDIR', meaning: 'where a short socket directory is made when the natural socket path is too long' },
  { name: 'MALLOC_ARENA_MAX', meaning: "glibc's malloc arenas in the daemon aigw starts (default 2, which keeps less memory after load)" },
  { name: 'NO_COLOR', meaning: 'when set, no colours in any output' },
  { name: 'CI', meaning: 'when set (and not "false"): no colours, no spinners, no prompts; a missing value is an error naming the flag' },
];

/** Where aigw keeps things, with AIGW_HOME unset (with it set: the same names under $AIGW_HOME/data, config, state, run). */
export const FILES: readonly { path: string; meaning: string }[] = [
  { path: '$XDG_DATA_HOME/aigw/aigw.db', meaning: 'the SQLite store: provider key metadata, never values (mode 0600)' },
  { path: '$XDG_DATA_HOME/aigw/secrets/', meaning: 'the encrypted-file secret store, when it is the one in use' },
  { path: '$XDG_CONFIG_HOME/aigw/master.key', meaning: "the encrypted-file store's master key, when AIGW_MASTER_KEY is not set (mode 0600)" },
  { path: '$XDG_STATE_HOME/aigw/daemon.log', meaning: "the daemon's log (aigw daemon logs)" },
  { path: '$XDG_RUNTIME_DIR/aigw/control.sock', meaning: 'the management API socket (mode 0600, in a 0700 directory)' },
  { path: '$XDG_RUNTIME_DIR/aigw/daemon.lock, daemon.pid', meaning: 'one daemon per home' },
  { path: '$XDG_CONFIG_HOME/systemd/user/aigw.service', meaning: 'the systemd user unit aigw daemon install writes on Linux (not under AIGW_HOME)' },
  { path: '~/Library/LaunchAgents/dev.aigw.daemon.plist', meaning: 'the launchd agent aigw daemon install writes on macOS' },
];
