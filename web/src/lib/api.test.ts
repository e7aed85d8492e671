import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, alertsApi, api, imapTest, setBadge, trendApi } from './api';

// Every call goes through one request: the method, the query without its
// empty parameters, JSON in and out, and the API's error as an ApiError.
function answer(status: number, body: string) {
  const fetch = vi.fn(async (_url: string, _init: RequestInit) => new Response(body || null, { status }));
  vi.stubGlobal('fetch', fetch);
  return fetch;
}

afterEach(() => vi.unstubAllGlobals());

describe('request', () => {
  it('GETs with the query, without a body', async () => {
    const f = answer(200, '{"domains":[]}');
    expect(await api.scores({ since: '2026-11-01', domain: '' })).toEqual({ domains: [] });
    const [u, init] = f.mock.calls[0];
    expect(u).toBe('/api/v1/scores?since=2026-11-01');
    expect(init).toMatchObject({ method: 'GET', headers: { Accept: 'application/json' }, body: undefined });
  });

  it('sends a JSON body with its content type', async () => {
    const f = answer(200, '{"domain":"example.com","enabled":true}');
    await setBadge('example.com', true);
    await imapTest({ addr: 'imap.example.com:993', tls: 'tls', username: 'u', password: 'p', mailbox: 'INBOX' });
    await trendApi.markExpected({ domain: 'example.com', kind: 'new_unauthorized', key: '192.0.2.1', note: 'ours' });
    expect(f.mock.calls.map(([u, init]) => [u, init.method, (init.headers as Record<string, string>)['Content-Type'], init.body])).toEqual([
      ['/api/v1/domains/example.com/badge', 'PUT', 'application/json', '{"enabled":true}'],
      ['/api/v1/imap/test', 'POST', 'application/json', '{"addr":"imap.example.com:993","tls":"tls","username":"u","password":"p","mailbox":"INBOX"}'],
      ['/api/v1/anomalies/expected', 'POST', 'application/json', '{"domain":"example.com","kind":"new_unauthorized","key":"192.0.2.1","note":"ours"}'],
    ]);
  });

  it('DELETEs with the query and answers {} for an empty body', async () => {
    const f = answer(204, '');
    expect(await trendApi.unmarkExpected({ domain: 'example.com', kind: 'new_unauthorized', key: '192.0.2.1' })).toEqual({});
    expect(await alertsApi.deleteRule(3)).toEqual({});
    expect(f.mock.calls.map(([u, init]) => [u, init.method, init.headers, init.body])).toEqual([
      ['/api/v1/anomalies/expected?domain=example.com&kind=new_unauthorized&key=192.0.2.1', 'DELETE', { Accept: 'application/json' }, undefined],
      ['/api/v1/alerts/rules/3', 'DELETE', { Accept: 'application/json' }, undefined],
    ]);
  });

  it("throws the API's error, or says the answer is not JSON", async () => {
    answer(409, '{"error":{"code":"conflict","message":"the alert is resolved"}}');
    await expect(alertsApi.ack(1)).rejects.toEqual(new ApiError(409, 'conflict', 'the alert is resolved'));
    answer(502, '<html>');
    const e = (await alertsApi.ack(1).catch((e: unknown) => e)) as ApiError;
    expect([e.status, e.code, e.message]).toEqual([502, 'bad_response', 'the server answered 502 with a body that is not JSON']);
  });
});
