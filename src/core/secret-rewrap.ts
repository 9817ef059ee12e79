/** What `POST /secrets/rewrap` (`aigw secrets rewrap`) did, shared by the daemon and the CLI. */
export interface RewrapResult {
  /** The master key every value is now wrapped under. */
  keyId: string;
  rewrapped: number;
  /** Values still under a master key this daemon was not given (neither the current nor the previous one). */
  remaining: number;
}
