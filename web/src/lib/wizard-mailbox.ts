// The wizard's mailbox step: the connection test's request, hints for each
// failing step, and the settings to start `parse-dmarc serve` with. The
// password goes only into the test request; the settings shown carry a
// placeholder, and nothing is stored.

import type { ImapTestRequest, ImapTestStep } from './api';

export type Security = 'tls' | 'starttls' | 'plain';

export interface MailboxForm {
  host: string; // host or host:port
  security: Security;
  username: string;
  password: string;
  mailbox: string;
}

export const defaultPort: Record<Security, number> = { tls: 993, starttls: 143, plain: 143 };

export const securityLabels: Record<Security, string> = {
  tls: 'TLS (port 993, recommended)',
  starttls: 'STARTTLS (port 143)',
  plain: 'None (local server only)',
};

/** address is host:port, adding the usual port of the security when none is given. */
export function address(host: string, security: Security): string {
  const h = host.trim().replace(/^imaps?:\/\//i, '').replace(/\/.*$/, '');
  if (!h) return '';
  if (/^\[.*\]:\d+$/.test(h) || /^[^:]+:\d+$/.test(h)) return h;
  // A bare IPv6 address gets brackets.
  const bare = h.includes(':') && !h.startsWith('[') ? `[${h}]` : h;
  return `${bare}:${defaultPort[security]}`;
}

/** problems lists what must be filled in before a test, empty when ready. */
export function problems(f: MailboxForm): string[] {
  const p: string[] = [];
  if (!f.host.trim()) p.push('the IMAP server');
  if (!f.username.trim()) p.push('the user name');
  if (!f.password) p.push('the password');
  return p;
}

export function request(f: MailboxForm): ImapTestRequest {
  return {
    addr: address(f.host, f.security),
    tls: f.security,
    username: f.username.trim(),
    password: f.password,
    mailbox: f.mailbox.trim() || 'INBOX',
  };
}

export const stepLabels: Record<ImapTestStep['step'], string> = {
  connect: 'Connect to the server',
  tls: 'Secure the connection',
  login: 'Log in',
  select: 'Open the mailbox',
};

/** hints are what to check when a step of the test fails. */
export function hints(step: ImapTestStep, f: MailboxForm): string[] {
  const host = address(f.host, f.security);
  const msg = step.message.toLowerCase();
  switch (step.step) {
    case 'connect': {
      const h = [
        `Check the server name and port (${host || 'host:port'}); your mail provider's help pages list the IMAP server.`,
        'A firewall between this server and the mail server may block the port: outgoing 993 (or 143) must be open.',
      ];
      if (/no such host|not known|lookup/.test(msg)) h.unshift('The server name does not resolve: check its spelling.');
      if (/refused/.test(msg)) h.unshift('The connection was refused: nothing listens on that port, or the port is wrong.');
      if (/timeout|timed out/.test(msg)) h.unshift('The server did not answer in time: a firewall probably drops the traffic.');
      return h;
    }
    case 'tls':
      return [
        'Port 993 speaks TLS from the start (choose TLS); port 143 needs STARTTLS. A mismatch fails here.',
        'The certificate must be valid for the host name you typed: use the name from the certificate, not an IP address.',
        'A self-signed certificate is refused; serve has --imap-insecure-skip-verify, but it exposes the password to a man in the middle.',
      ];
    case 'login':
      return [
        'Check the user name: usually the full address, e.g. dmarc@example.com.',
        'Gmail and Microsoft 365 refuse the normal password for IMAP: create an app password (with two-step verification on), and make sure IMAP is enabled for the account.',
        'Some providers lock an account after several failed logins; wait a few minutes before trying again.',
      ];
    case 'select':
      return [
        `The mailbox “${f.mailbox || 'INBOX'}” was not found. Names are case-sensitive and folders are often written like "INBOX/DMARC" or "INBOX.DMARC".`,
        'Leave it at INBOX if the reports arrive in the inbox.',
      ];
  }
}

/** shellQuote quotes a value for a POSIX shell when it needs it. */
export function shellQuote(v: string): string {
  return /^[A-Za-z0-9@%+=:,./_-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

const PASSWORD_PLACEHOLDER = 'your-app-password';

/**
 * serveCommand is the shell snippet that starts serve with this mailbox:
 * the password in the environment, never in a flag (other users of the
 * host can read a command line).
 */
export function serveCommand(f: MailboxForm): string {
  const r = request(f);
  return [
    '# The password only in the environment (or PARSE_DMARC_IMAP_PASSWORD_FILE)',
    `export PARSE_DMARC_IMAP_PASSWORD=${shellQuote(PASSWORD_PLACEHOLDER)}`,
    'parse-dmarc serve \\',
    `  --imap-addr ${shellQuote(r.addr || 'imap.example.com:993')} \\`,
    `  --imap-user ${shellQuote(r.username || 'dmarc@example.com')} \\`,
    `  --imap-tls ${r.tls} \\`,
    `  --imap-mailbox ${shellQuote(r.mailbox)}`,
  ].join('\n');
}

/** serveEnv is the same as environment variables (Docker, systemd, --config). */
export function serveEnv(f: MailboxForm): string {
  const r = request(f);
  return [
    `PARSE_DMARC_IMAP_ADDR=${r.addr || 'imap.example.com:993'}`,
    `PARSE_DMARC_IMAP_USER=${r.username || 'dmarc@example.com'}`,
    `PARSE_DMARC_IMAP_PASSWORD=${PASSWORD_PLACEHOLDER}`,
    `PARSE_DMARC_IMAP_TLS=${r.tls}`,
    `PARSE_DMARC_IMAP_MAILBOX=${r.mailbox}`,
  ].join('\n');
}
