import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../common/errors/domain-errors';
import { PROBLEM_CONTENT_TYPE, toProblem } from '../../common/http/problem-details';
import { DASHBOARD_PATH, QueueDashboardAuth } from './queue-dashboard-auth';
import { dashboardSignInPage } from './sign-in-page';

/** The login and logout routes are Nest routes of their own, open to anyone. */
const OPEN_PATHS = new Set([`${DASHBOARD_PATH}/login`, `${DASHBOARD_PATH}/logout`]);

/** A browser navigating to a dashboard page (not its JSON API or static files). */
const wantsPage = (request: FastifyRequest) =>
  request.method === 'GET' &&
  (request.headers.accept ?? '').includes('text/html') &&
  !/^\/admin\/queues\/(api|static)\//.test(request.url);

const underDashboard = (path: string | undefined) =>
  path !== undefined && (path === DASHBOARD_PATH || path.startsWith(`${DASHBOARD_PATH}/`));

/**
 * Admins only, for every Bull Board route (page, JSON API, static files). Bull Board is a
 * Fastify plugin, not Nest routes, so Nest's guards never see it, and a Nest middleware bound
 * to its route covers the exact path only; a Fastify `onRequest` hook sees every request. It
 * judges both the URL and the route Fastify matched (so an encoded path cannot slip past).
 */
@Injectable()
export class QueueDashboardGuard implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly auth: QueueDashboardAuth,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    // No HTTP server (an application context): nothing to guard.
    if (!fastify?.addHook) return;
    // A callback hook: every request passes here, and most leave at once without a promise.
    fastify.addHook('onRequest', (request, reply, done) => {
      const path = request.url.split('?')[0].replace(/\/+$/, '') || '/';
      const route = request.routeOptions.url;
      if (!underDashboard(path) && !underDashboard(route)) return done();
      if (OPEN_PATHS.has(path) && (route === undefined || OPEN_PATHS.has(route))) return done();
      this.check(request, reply, path).then(
        (refused) => refused || done(),
        (error: Error) => done(error),
      );
    });
  }

  /** Whether the request was refused (its answer is sent). */
  private async check(
    request: FastifyRequest,
    reply: FastifyReply,
    path: string,
  ): Promise<boolean> {
    try {
      await this.auth.authorize(request.headers);
      return false;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const problem = { ...toProblem(error), instance: path, requestId: request.id };
      if (wantsPage(request)) {
        void reply
          .code(problem.status)
          .header('content-type', 'text/html; charset=utf-8')
          .header('cache-control', 'no-store')
          .send(dashboardSignInPage());
        return true;
      }
      if (problem.status === 401) void reply.header('www-authenticate', 'Bearer');
      void reply
        .code(problem.status)
        .header('content-type', PROBLEM_CONTENT_TYPE)
        .header('cache-control', 'no-store')
        .send(problem);
      return true;
    }
  }
}
