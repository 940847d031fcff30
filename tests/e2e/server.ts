// A tiny static server for the built app (dist/). By default it sends the
// cross-origin isolation headers vite.config.ts also sets and answers an
// unknown path with index.html. The deploy test asks for a plain static host
// instead: the app under a folder, no special headers, and a 404 for anything
// outside that folder or missing in it, so a wrong absolute URL fails.
// In-process, so a test owns its port and cannot leave a stray server behind.

import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

export const DIST = resolve(import.meta.dirname, '../../dist');

export interface StaticServer {
  /** The app's address: the origin plus the prefix, ending in '/'. */
  url: string;
  /** Requests answered so far, as `status path` (the deploy test shows what a plain host saw). */
  readonly log: readonly string[];
  close(): Promise<void>;
}

export interface ServeOptions {
  /** The folder to serve (default dist/). */
  root?: string;
  /** The URL path the app lives under, '/' (default) or e.g. '/some/where/gatescope/'. */
  prefix?: string;
  /** Send COOP/COEP (default true); false is a host that sends no special headers. */
  isolationHeaders?: boolean;
  /** Answer a missing file with index.html (default true); false answers 404. */
  fallbackToIndex?: boolean;
}

/** Serves `root` or the options' folder; `serveDist(dir)` keeps its old meaning. */
export async function serveDist(options: string | ServeOptions = {}): Promise<StaticServer> {
  const {
    root = DIST,
    prefix = '/',
    isolationHeaders = true,
    fallbackToIndex = true,
  } = typeof options === 'string' ? { root: options } : options;
  if (!prefix.startsWith('/') || !prefix.endsWith('/')) {
    throw new Error(`the prefix ${prefix} must start and end with '/'`);
  }
  if (!existsSync(join(root, 'index.html'))) {
    throw new Error(
      `${root}/index.html is missing: run \`vite build\` first (npm run test:e2e does)`,
    );
  }
  const log: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const answer = (status: number, headers: Record<string, string> = {}) => {
      log.push(`${status} ${path}`);
      res.writeHead(status, headers);
    };
    if (!path.startsWith(prefix)) {
      answer(404);
      res.end();
      return;
    }
    let file = normalize(join(root, path.slice(prefix.length)));
    if (!file.startsWith(root)) {
      answer(403);
      res.end();
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) {
      if (!fallbackToIndex) {
        answer(404);
        res.end();
        return;
      }
      file = join(root, 'index.html');
    }
    answer(200, {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      ...(isolationHeaders
        ? {
            'Cross-Origin-Opener-Policy': 'same-origin',
            'Cross-Origin-Embedder-Policy': 'require-corp',
          }
        : {}),
      'Cache-Control': 'no-store',
    });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    log,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
