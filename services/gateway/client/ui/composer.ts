/** The message box, which also edits one of the user's messages: Edit (or Up) starts, Esc cancels. */
export class Composer {
  private target: { readonly room: string; readonly offset: number } | undefined;

  constructor(
    private readonly input: HTMLInputElement,
    private readonly form: HTMLFormElement,
    private readonly hint: HTMLElement,
  ) {}

  get editing(): { readonly room: string; readonly offset: number } | undefined {
    return this.target;
  }

  startEdit(room: string, offset: number, text: string): void {
    this.target = { room, offset };
    this.input.value = text;
    this.form.classList.add('editing');
    this.hint.hidden = false;
    this.input.focus();
    this.input.select();
  }

  cancel(): void {
    if (!this.target) return;
    this.target = undefined;
    this.input.value = '';
    this.form.classList.remove('editing');
    this.hint.hidden = true;
  }
}
