/** The visible "some messages may be missing" notice, per room, until the user dismisses it. */
export class NoticeView {
  private readonly rooms = new Map<string, string>();

  constructor(
    private readonly box: HTMLElement,
    private readonly text: HTMLElement,
    dismiss: HTMLButtonElement,
    private readonly currentRoom: () => string,
  ) {
    dismiss.addEventListener('click', () => {
      this.rooms.delete(this.currentRoom());
      this.render();
    });
  }

  gap(room: string, reason: string): void {
    this.rooms.set(room, reason);
    this.render();
  }

  render(): void {
    const reason = this.rooms.get(this.currentRoom());
    this.box.hidden = reason === undefined;
    this.text.textContent = reason === undefined ? '' : `Some messages may be missing in ${this.currentRoom()}: ${reason}.`;
  }
}
