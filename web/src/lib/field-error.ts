// The API's validation messages name their field first ("email.host: the
// SMTP server's host name is required"); a form shows the rest on that
// field as a sentence.

export interface FieldError {
  /** The form's field; '' for a message about the whole form. */
  field: string;
  message: string;
}

/**
 * splitFieldError places message on the form's field that `field` answers
 * for the API's name before ": " (undefined: none of the form's), the rest
 * capitalized and ending with a full stop; else the message as it is, on
 * no field.
 */
export function splitFieldError(message: string, field: (apiName: string) => string | undefined): FieldError {
  const i = message.indexOf(': ');
  const f = i > 0 ? field(message.slice(0, i)) : undefined;
  if (!f) return { field: '', message };
  const rest = message.slice(i + 2);
  return { field: f, message: rest.charAt(0).toUpperCase() + rest.slice(1) + (/[.!?]$/.test(rest) ? '' : '.') };
}
