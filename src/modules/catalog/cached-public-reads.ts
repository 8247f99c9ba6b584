import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendPublic } from '../../common/http/public-answer';
import { CatalogCache } from './catalog-cache';

/** Marks a Nest route whose anonymous GETs may be answered by CachedPublicReads. */
export const CachedPublicRead = () => RouteConfig({ cachedPublicRead: true });

const isMarked = (request: FastifyRequest) =>
  (request.routeOptions.config as { cachedPublicRead?: boolean }).cachedPublicRead === true;

/**
 * Answers an anonymous GET of a public catalog read (the listing, a product page, the category
 * tree) from the catalog cache before Nest's guards, pipes and controller, when the same URL
 * was answered from the cache before and its entry is still current (CatalogCache.answerForUrl:
 * the same version check as every cached read, so no instance answers older than a completed
 * write). Only a URL Nest has answered (validated, 200) is ever found, so bad input still gets
 * its 4xx from the pipes; a request with an `Authorization` header always goes to Nest (an
 * owner sees drafts, and a bad token is refused). The answer is the one Nest would send: the
 * same ETag, Cache-Control, content type and bytes, or 304; Fastify's hooks before and after
 * (CORS, security headers, request log, metrics) still run.
 */
@Injectable()
export class CachedPublicReads implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly cache: CatalogCache,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    // No HTTP server (an application context): nothing to answer.
    if (!fastify?.addHook) return;
    fastify.addHook('preHandler', (request, reply, done) => {
      if (request.method !== 'GET' || request.headers.authorization || !isMarked(request)) {
        done();
        return;
      }
      this.answer(request, reply).then(
        (sent) => sent || done(),
        () => done(),
      );
    });
  }

  private async answer(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    const answer = await this.cache.answerForUrl(request.url);
    if (!answer) return false;
    void reply.send(sendPublic(reply, answer));
    return true;
  }
}
