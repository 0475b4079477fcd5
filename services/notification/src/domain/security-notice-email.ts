import type { SecurityNoticeKind } from '@gatehouse/events';
import { escapeHtml } from '@gatehouse/html';
import { emailTime, greeting, htmlLink, userAgentText } from './email-text';
import type { OutgoingEmail } from './notification.ports';

export interface SecurityNoticeEmailInput {
  /** Where users sign in (SIGN_IN_URL): the platform's web app, not the API. */
  readonly signInUrl: string;
  readonly email: string;
  readonly name: string | null;
  readonly kind: SecurityNoticeKind;
  readonly at: string;
  readonly userAgent: string | null;
  readonly reference: string;
}

/** A link of ours; everything else in a notice is text, escaped in HTML. */
interface Link {
  readonly href: string;
}
type Line = readonly (string | Link)[];
type Block = { readonly paragraph: Line } | { readonly list: readonly Line[] };

interface NoticeFacts {
  readonly when: string;
  /** The reduced user agent, or null when unknown. */
  readonly device: string | null;
  readonly app: Link;
}

interface Notice {
  readonly subject: string;
  readonly blocks: readonly Block[];
}

/**
 * The sign-in page of the platform's web app. Its "Forgot password" starts a reset; the reset API
 * itself is no page a reader could use, so the notices never link to it.
 */
export function signInLink(signInUrl: string): string {
  return new URL(signInUrl).toString();
}

const deviceBlocks = (device: string | null): Block[] => (device ? [{ paragraph: [`Device: ${device}`] }] : []);

/** One copy per kind: the compiler demands a notice for every kind the contract adds. */
const notices: Readonly<Record<SecurityNoticeKind, (facts: NoticeFacts) => Notice>> = {
  password_changed: ({ when, device, app }) => ({
    subject: 'Your password was changed',
    blocks: [
      { paragraph: [`The password of your account was changed on ${when}.`] },
      ...deviceBlocks(device),
      { paragraph: ['If this was you, there is nothing else to do.'] },
      { paragraph: ['If it was not you, reset your password now with "Forgot password" on the sign-in page at ', app, ' and then contact support.'] },
    ],
  }),
  session_reuse_detected: ({ when, device, app }) => ({
    subject: 'We signed out a session that may have been stolen',
    blocks: [
      {
        paragraph: [
          `On ${when} we signed out a session of your account that may have been stolen: it was used again after it had been renewed, which happens when someone else holds a copy of it.`,
        ],
      },
      ...deviceBlocks(device),
      { paragraph: ['What to do now:'] },
      { list: [['Sign in again at ', app], ['Change your password.'], ['Sign out everywhere, so that every other session ends too.']] },
    ],
  }),
  registration_attempted: ({ when, device, app }) => ({
    subject: 'Someone tried to create an account with your address',
    blocks: [
      { paragraph: [`On ${when} someone tried to create a new account with this email address, which already has one.`] },
      ...deviceBlocks(device),
      { paragraph: ['If it was you, sign in at ', app, ' instead, or use "Forgot password" on the sign-in page if you do not remember your password.'] },
      { paragraph: ['If it was not you, ignore this email: nothing was changed.'] },
    ],
  }),
  mfa_enabled: ({ when, device, app }) => ({
    subject: 'Two-step sign-in was turned on for your account',
    blocks: [
      { paragraph: [`On ${when} an authenticator app was added to your account: from now on, signing in asks for its code after the password.`] },
      ...deviceBlocks(device),
      { paragraph: ['If this was you, keep your recovery codes somewhere safe. Each one signs you in once if you lose the app.'] },
      {
        paragraph: [
          'If it was not you, someone else can use your account: reset your password now with "Forgot password" on the sign-in page at ',
          app,
          ' and then contact support to remove the authenticator.',
        ],
      },
    ],
  }),
  mfa_disabled: ({ when, device, app }) => ({
    subject: 'Two-step sign-in was turned off for your account',
    blocks: [
      { paragraph: [`On ${when} the authenticator app was removed from your account, with its recovery codes. Every other session was signed out.`] },
      ...deviceBlocks(device),
      { paragraph: ['If this was you, there is nothing else to do. You can turn two-step sign-in on again at any time.'] },
      {
        paragraph: ['If it was not you, reset your password now with "Forgot password" on the sign-in page at ', app, ', then turn two-step sign-in on again.'],
      },
    ],
  }),
  passkey_added: ({ when, device, app }) => ({
    subject: 'A passkey was added to your account',
    blocks: [
      { paragraph: [`On ${when} a passkey was added to your account: it signs you in without your password.`] },
      ...deviceBlocks(device),
      { paragraph: ['If this was you, there is nothing else to do.'] },
      {
        paragraph: [
          'If it was not you, someone else can sign in as you: sign in at ',
          app,
          ', remove the passkey you do not recognise, then reset your password with "Forgot password" on the sign-in page.',
        ],
      },
    ],
  }),
  passkey_removed: ({ when, device, app }) => ({
    subject: 'A passkey was removed from your account',
    blocks: [
      { paragraph: [`On ${when} a passkey was removed from your account and no longer signs you in. Every other session was signed out.`] },
      ...deviceBlocks(device),
      { paragraph: ['If this was you, there is nothing else to do.'] },
      {
        paragraph: [
          'If it was not you, reset your password now with "Forgot password" on the sign-in page at ',
          app,
          ' and check the passkeys left on your account.',
        ],
      },
    ],
  }),
};

const lineText = (line: Line) => line.map((part) => (typeof part === 'string' ? part : part.href)).join('');
const lineHtml = (line: Line) => line.map((part) => (typeof part === 'string' ? escapeHtml(part) : htmlLink(part.href))).join('');

function blockText(block: Block): string {
  return 'paragraph' in block ? lineText(block.paragraph) : block.list.map((item) => `- ${lineText(item)}`).join('\n');
}

function blockHtml(block: Block): string {
  return 'paragraph' in block ? `<p>${lineHtml(block.paragraph)}</p>` : `<ul>${block.list.map((item) => `<li>${lineHtml(item)}</li>`).join('')}</ul>`;
}

/**
 * A security notice, as plain text and HTML. The name is reduced as in every email; the user
 * agent came with the request behind the notice, maybe the attacker's, so it is reduced by
 * {@link userAgentText}, escaped in HTML and never part of a link.
 */
export function securityNoticeEmail(input: SecurityNoticeEmailInput): OutgoingEmail {
  const hello = greeting(input.name);
  const notice = notices[input.kind]({ when: emailTime(input.at), device: userAgentText(input.userAgent), app: { href: signInLink(input.signInUrl) } });
  return {
    to: input.email,
    subject: notice.subject,
    reference: input.reference,
    text: [hello, ...notice.blocks.map(blockText)].join('\n\n'),
    html: [`<p>${escapeHtml(hello)}</p>`, ...notice.blocks.map(blockHtml)].join('\n'),
  };
}
