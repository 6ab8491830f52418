/**
 * Coalesces reads of one value (a room's member list) among concurrent callers, while every
 * caller still gets a read that started after it asked: callers that arrive while a read is in
 * flight share the one that starts when it ends. A join storm of n members then costs a few
 * reads, not n, and each member still sees its own presence, which it added before asking.
 */
export class FreshRead<T> {
  private inFlight: Promise<T> | undefined;
  private following: Promise<T> | undefined;

  constructor(private readonly load: () => Promise<T>) {}

  read(): Promise<T> {
    if (!this.inFlight) return this.start();
    return (this.following ??= this.inFlight.then(
      () => this.startFollowing(),
      () => this.startFollowing(),
    ));
  }

  private startFollowing(): Promise<T> {
    this.following = undefined;
    return this.start();
  }

  private start(): Promise<T> {
    const read = this.load();
    this.inFlight = read;
    const done = (): void => {
      if (this.inFlight === read) this.inFlight = undefined;
    };
    read.then(done, done);
    return read;
  }
}
