// formSubmit is the saving of an editing form (a channel, an alert rule, a
// schedule): the browser's checks first, on their fields once the form was
// submitted; then the request. A 400 whose message names a field
// (fieldError) goes on that field, any other error above the buttons, and
// the first message is scrolled into view. Call it during a component's initialisation;
// FormProblems shows what is not on a field.

import { ApiError } from './api';
import type { FieldError } from './field-error';

export interface FormSubmit {
  /** The messages on the fields: the browser's once submitted, then the API's. */
  readonly errors: Record<string, string>;
  readonly submitted: boolean;
  /** An error that is on no field. */
  readonly formError: string;
  readonly saving: boolean;
  /** What the last save said ("Saved."); cleared by the next submit. */
  notice: string;
  /** Forgets the API's messages, when the form changed under them. */
  clearApiErrors(): void;
  submit(e: SubmitEvent): Promise<void>;
}

export function formSubmit(o: {
  /** The form's selector ("form.channel"), to scroll to its first message. */
  form?: string;
  validate: () => Record<string, string>;
  /** Where a message of the API belongs. */
  fieldError: (message: string) => FieldError;
  /** Sends the form and answers the notice to show; none when it leaves the page. */
  save: () => Promise<string | undefined>;
  /** The notice shown at first. */
  notice?: string;
}): FormSubmit {
  let submitted = $state(false);
  let apiErrors = $state<Record<string, string>>({});
  let formError = $state('');
  let saving = $state(false);
  let notice = $state(o.notice ?? '');
  const errors = $derived({ ...(submitted ? o.validate() : {}), ...apiErrors });

  function focusFirstError() {
    if (!o.form) return;
    queueMicrotask(() => document.querySelector<HTMLElement>(`${o.form} [aria-invalid="true"], ${o.form} .error`)?.scrollIntoView({ block: 'center' }));
  }

  return {
    get errors() {
      return errors;
    },
    get submitted() {
      return submitted;
    },
    get formError() {
      return formError;
    },
    get saving() {
      return saving;
    },
    get notice() {
      return notice;
    },
    set notice(v: string) {
      notice = v;
    },
    clearApiErrors() {
      apiErrors = {};
    },
    async submit(e: SubmitEvent) {
      e.preventDefault();
      submitted = true;
      apiErrors = {};
      formError = '';
      notice = '';
      if (Object.keys(o.validate()).length) {
        focusFirstError();
        return;
      }
      saving = true;
      try {
        const said = await o.save();
        submitted = false;
        if (said) notice = said;
      } catch (err) {
        if (err instanceof ApiError && err.status === 400) {
          const f = o.fieldError(err.message);
          if (f.field) apiErrors = { [f.field]: f.message };
          else formError = f.message;
          focusFirstError();
        } else {
          formError = (err as Error).message;
        }
      } finally {
        saving = false;
      }
    },
  };
}
