import { byId } from './dom.js';

/**
 * The sign-in panel, shown when the server refused to let the page in without a (valid) token:
 * it says why and takes a token; `signIn` keeps it and starts over with it.
 */
export class SignInView {
  private readonly panel = byId('signin', HTMLElement);
  private readonly why = byId('signin-why', HTMLElement);
  private readonly input = byId('signin-token', HTMLInputElement);

  constructor(signIn: (token: string) => void) {
    byId('signin-form', HTMLFormElement).addEventListener('submit', (event) => {
      event.preventDefault();
      const token = this.input.value.trim();
      if (token.split('.').length !== 3) {
        this.input.setCustomValidity('a token has three parts separated by dots');
        this.input.reportValidity();
        return;
      }
      this.input.setCustomValidity('');
      signIn(token);
    });
    this.input.addEventListener('input', () => this.input.setCustomValidity(''));
  }

  /** `hadToken`: the page sent one and it was refused (expired, wrongly signed), else it sent none. */
  show(hadToken: boolean, reason: string | undefined): void {
    this.why.textContent = hadToken
      ? `The server refused your token${reason ? ` (${reason})` : ''}. Paste a new one.`
      : 'This server needs a token (a JWT) to let you in.';
    this.why.classList.toggle('signin-error', hadToken);
    this.panel.hidden = false;
    this.input.focus();
  }
}
