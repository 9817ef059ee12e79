/** The request-body bytes every request in flight holds together, against one limit. */
export class BodyBudget {
  private held = 0;

  constructor(private readonly limit: number) {}

  /** One request's share: `take` claims more bytes (false when the limit would be passed), `release` returns them all. */
  claimant(): { take: (bytes: number) => boolean; release: () => void } {
    let mine = 0;
    return {
      take: (bytes) => {
        if (this.held + bytes > this.limit) return false;
        this.held += bytes;
        mine += bytes;
        return true;
      },
      release: () => {
        this.held -= mine;
        mine = 0;
      },
    };
  }
}
