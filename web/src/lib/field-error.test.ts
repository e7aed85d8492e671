import { describe, expect, it } from 'vitest';
import { splitFieldError } from './field-error';

describe('splitFieldError', () => {
  const known = (f: string) => ({ name: 'name', 'recipients or channels': 'destinations' })[f];
  it('puts the rest of a known field’s message on it as a sentence', () => {
    expect(splitFieldError('name: is taken', known)).toEqual({ field: 'name', message: 'Is taken.' });
    expect(splitFieldError('recipients or channels: a report needs somewhere to go!', known)).toEqual({ field: 'destinations', message: 'A report needs somewhere to go!' });
  });
  it('leaves any other message whole, on no field', () => {
    expect(splitFieldError('the body is JSON: unexpected EOF', known)).toEqual({ field: '', message: 'the body is JSON: unexpected EOF' });
    expect(splitFieldError(': no field', known)).toEqual({ field: '', message: ': no field' });
    expect(splitFieldError('no colon at all', known)).toEqual({ field: '', message: 'no colon at all' });
  });
});
