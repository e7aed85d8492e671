// What the user typed in the wizard, shared by its steps for this visit
// only (in memory: never stored). The mailbox password is not here: it
// lives in the mailbox step alone and is gone when the step is left.

import type { Policy } from '../../lib/wizard-record';
import type { Security } from '../../lib/wizard-mailbox';

export const setup = $state({
  domain: '',
  rua: '',
  policy: 'none' as Policy,
  host: '',
  security: 'tls' as Security,
  username: '',
  mailbox: 'INBOX',
});
