import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Express } from 'express';
import type { EdgeHandler } from './edge-handler';

type Handle = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;

/**
 * Puts `edge` in front of the Express app, in the app itself. `runService` and the test harness
 * serve an Express app (`app.listen`, i.e. `http.createServer(app)`), and the app function hands
 * every request to its `handle` method; wrapping that method keeps the one entry point they
 * know, while the edge's requests skip what Express does before its first middleware (prototype
 * swaps, `res.locals`, the router walk) as well as the middleware. Every other request, and
 * anything the edge declines, goes to Express unchanged.
 */
export function serveEdgeFirst(app: Express, edge: EdgeHandler): Express {
  const express = app as unknown as { handle: Handle };
  const expressHandle: Handle = express.handle.bind(app);
  express.handle = (req, res, next) => {
    if (!edge(req, res)) expressHandle(req, res, next);
  };
  return app;
}
