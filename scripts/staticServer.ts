/**
 * A tiny static file server for a built app folder (dist/), for the search CLI and for tests:
 * serves it under any path prefix ("/sub/path/"), with or without the COOP/COEP headers, as a
 * plain static host would. GET and HEAD only; nothing outside the folder is reachable.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.bin': 'application/octet-stream',
};

export interface StaticServerOptions {
  /** The folder to serve. */
  readonly root: string;
  /** URL path the folder appears under, starting and ending with "/". */
  readonly prefix?: string;
  /** Send COOP/COEP (cross-origin isolation) as vite preview does; a plain host does not. */
  readonly isolationHeaders?: boolean;
  readonly host?: string;
  /** 0: any free port. */
  readonly port?: number;
}

export interface StaticServer {
  /** e.g. "http://127.0.0.1:4180/sub/path/" */
  readonly url: string;
  close(): Promise<void>;
}

function fileFor(root: string, prefix: string, pathname: string): string | null {
  if (!pathname.startsWith(prefix)) return null;
  let relative: string;
  try {
    relative = decodeURIComponent(pathname.slice(prefix.length));
  } catch {
    return null;
  }
  const path = normalize(join(root, relative));
  if (path !== root && !path.startsWith(root + sep)) return null;
  try {
    const stat = statSync(path);
    if (stat.isDirectory())
      return statSync(join(path, 'index.html')).isFile() ? join(path, 'index.html') : null;
    return stat.isFile() ? path : null;
  } catch {
    return null;
  }
}

export function startStaticServer(options: StaticServerOptions): Promise<StaticServer> {
  const root = resolve(options.root);
  const prefix = options.prefix ?? '/';
  const server: Server = createServer((request, response) => {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405).end();
      return;
    }
    if (`${pathname}/` === prefix) {
      response.writeHead(301, { Location: prefix }).end();
      return;
    }
    const file = fileFor(root, prefix, pathname);
    if (file === null) {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    const headers: Record<string, string | number> = {
      'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': statSync(file).size,
      'Cache-Control': 'no-cache',
    };
    if (options.isolationHeaders === true) {
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
    }
    response.writeHead(200, headers);
    if (request.method === 'HEAD') response.end();
    else createReadStream(file).pipe(response);
  });
  const host = options.host ?? '127.0.0.1';
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      const { port } = server.address() as AddressInfo;
      resolvePromise({
        url: `http://${host}:${port}${prefix}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
