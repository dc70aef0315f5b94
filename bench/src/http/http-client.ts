import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';

/** A response as the bench needs it: status, headers and the body parsed as JSON when it is JSON. */
export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/**
 * A minimal HTTP/1.1 client for one base URL: keep-alive connections and a cookie jar (like a browser
 * tab), so a benchmark measures the server rather than connection set-up or a heavier client library.
 */
export class HttpClient {
  private readonly agent = new Agent({ keepAlive: true });
  private readonly cookies = new Map<string, string>();

  constructor(readonly baseUrl: string) {}

  /** The Cookie header this client sends (for a WebSocket upgrade of the same browser). */
  cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /** Sends a request with an optional JSON body and resolves with the whole response. */
  request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<HttpResponse> {
    const url = new URL(path, this.baseUrl);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        url,
        {
          method,
          agent: this.agent,
          headers: {
            accept: 'application/json',
            ...(payload === undefined
              ? {}
              : {
                  'content-type': 'application/json',
                  'content-length': Buffer.byteLength(payload),
                }),
            ...(this.cookies.size > 0 ? { cookie: this.cookieHeader() } : {}),
            ...headers,
          },
        },
        (response) => {
          this.keepCookies(response.headers['set-cookie']);
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const isJson = (response.headers['content-type'] ?? '').includes('json');
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              body: isJson && text !== '' ? (JSON.parse(text) as unknown) : text,
            });
          });
        },
      );
      outgoing.on('error', reject);
      outgoing.end(payload);
    });
  }

  /** Like request(), but throws with the body when the status is not the expected one. */
  async expect(
    status: number,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<HttpResponse> {
    const response = await this.request(method, path, body, headers);
    if (response.status !== status) {
      throw new Error(
        `${method} ${path} answered ${response.status}, expected ${status}: ${JSON.stringify(response.body).slice(0, 500)}`,
      );
    }
    return response;
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  private keepCookies(setCookie: string[] | undefined): void {
    for (const line of setCookie ?? []) {
      const [pair] = line.split(';');
      const index = pair?.indexOf('=') ?? -1;
      if (pair !== undefined && index > 0)
        this.cookies.set(pair.slice(0, index).trim(), pair.slice(index + 1).trim());
    }
  }
}
