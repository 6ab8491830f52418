import { startChatPage } from './ui/chat-page.js';
import { startEventSourcePage } from './ui/eventsource-page.js';

/** The bundle's entry: each page names itself in `<body data-page>`. */
function main(): void {
  switch (document.body.dataset.page) {
    case 'chat':
      startChatPage();
      break;
    case 'eventsource':
      startEventSourcePage();
      break;
    default:
      break;
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', main, { once: true });
else main();
