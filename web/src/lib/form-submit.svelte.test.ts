import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import { formSubmit } from './form-submit.svelte';

const submitEvent = () => ({ preventDefault() {} }) as SubmitEvent;
const fieldError = (m: string) => (m.startsWith('name: ') ? { field: 'name', message: 'Bad name.' } : { field: '', message: m });

describe('formSubmit', () => {
  it('checks in the browser first and shows those messages once submitted', async () => {
    let name = $state('');
    let saves = 0;
    const edit = formSubmit({
      form: 'form.x',
      validate: (): Record<string, string> => (name ? {} : { name: 'Give it a name.' }),
      fieldError,
      save: async () => {
        saves++;
        return 'Saved.';
      },
      notice: 'Created.',
    });
    expect([edit.errors, edit.notice]).toEqual([{}, 'Created.']);
    await edit.submit(submitEvent());
    expect([saves, edit.submitted, edit.errors, edit.notice]).toEqual([0, true, { name: 'Give it a name.' }, '']);
    name = 'x';
    expect(edit.errors).toEqual({});
    await edit.submit(submitEvent());
    expect([saves, edit.submitted, edit.saving, edit.notice]).toEqual([1, false, false, 'Saved.']);
  });

  it("puts the API's 400 on its field or above the buttons, and any other error above the buttons", async () => {
    let answer: Error = new ApiError(400, 'invalid', 'name: is taken');
    const edit = formSubmit({ form: 'form.x', validate: () => ({}), fieldError, save: () => Promise.reject(answer) });
    await edit.submit(submitEvent());
    expect([edit.errors, edit.formError, edit.saving]).toEqual([{ name: 'Bad name.' }, '', false]);
    edit.clearApiErrors();
    expect(edit.errors).toEqual({});

    answer = new ApiError(400, 'invalid', 'the schedule needs a destination');
    await edit.submit(submitEvent());
    expect([edit.errors, edit.formError]).toEqual([{}, 'the schedule needs a destination']);

    answer = new ApiError(500, 'internal', 'the store is down');
    await edit.submit(submitEvent());
    expect([edit.errors, edit.formError]).toEqual([{}, 'the store is down']);
  });

  it('leaves no notice when the save leaves the page', async () => {
    const edit = formSubmit({ form: 'form.x', validate: () => ({}), fieldError, save: async () => undefined });
    await edit.submit(submitEvent());
    expect([edit.notice, edit.submitted]).toEqual(['', false]);
  });
});
