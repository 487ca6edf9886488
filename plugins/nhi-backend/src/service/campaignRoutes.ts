import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { InputError, NotFoundError } from '@backstage/errors';
import {
  NHI_CAMPAIGN_EXPORT_FILES,
  NhiCampaignExportFile,
} from '@backstage-nhi/plugin-nhi-common';
import express from 'express';
import { normalizeRef } from '../lib/identifiers';
import { CampaignsService } from './CampaignsService';
import { pageOf, readPage } from './paging';
import type { Audited } from './router';
import {
  campaignItemStatuses,
  campaignScope,
  campaignStatus,
  date,
  flag,
  groupRef,
  identityRef,
  parseBody,
  principalRef,
  queryOf,
  schemas,
} from './validation';

/** The largest page of campaign items (a reviewer's whole queue, for the bench's 5,000). */
export const MAX_ITEMS_PAGE = 5000;

/**
 * The access-review routes, on the claims backend's router so that they
 * share its body parsing, auditing and error handling:
 *
 * | route | permission |
 * | --- | --- |
 * | `POST /campaigns` | `nhi.campaign.manage` |
 * | `GET /campaigns`, `/campaigns/:id`, `/campaigns/:id/items` | `nhi.campaign.read` |
 * | `GET /campaigns/waiting`, `/campaigns/history` (`decided=true`: the last decisions) | `nhi.campaign.read` |
 * | `GET /campaigns/:id/export/:file` | `nhi.campaign.read` |
 * | `POST /campaigns/:id/close` | `nhi.campaign.manage` |
 * | `POST /campaigns/:id/items/:itemId/decision`, `/campaigns/:id/decisions` | `nhi.campaign.decide` (per item) |
 * | `POST /campaigns/:id/reassign` | `nhi.campaign.decide` (reviewers) or `nhi.campaign.manage` |
 * | `GET /unowned` | a backend service, or `nhi.claim.read` |
 */
export function addCampaignRoutes(
  router: express.Router,
  options: {
    campaigns: CampaignsService;
    audited: Audited;
    credentials: (req: express.Request) => Promise<BackstageCredentials>;
  },
) {
  const { campaigns, audited, credentials } = options;
  const caller = async <
    A extends 'campaign.read' | 'campaign.manage' | 'campaign.decide',
  >(
    req: express.Request,
    action: A,
  ) => campaigns.caller(await credentials(req), action);

  router.post(
    '/campaigns',
    audited('campaign-create', 'medium', async (req, res, meta) => {
      const who = await caller(req, 'campaign.manage');
      queryOf(req, []);
      const body = parseBody(schemas.createCampaign, req, 'campaign');
      meta.name = body.name;
      date(body.dueAt, 'dueAt');
      const campaign = await campaigns.createCampaign(who, {
        ...body,
        scope: campaignScope(body.scope),
      });
      Object.assign(meta, {
        campaignId: campaign.id,
        items: String(campaign.counts.total),
      });
      res.status(201).json(campaign);
    }),
  );

  router.get(
    '/campaigns',
    audited('campaign-read', 'low', async (req, res) => {
      const who = await caller(req, 'campaign.read');
      const q = queryOf(req, ['status', 'limit', 'cursor']);
      const page = readPage(q);
      res.json(
        pageOf(
          await campaigns.listCampaigns(
            who,
            { status: campaignStatus(q.status) },
            page,
          ),
          page,
        ),
      );
    }),
  );

  router.get(
    '/campaigns/waiting',
    audited('campaign-read', 'low', async (req, res) => {
      const who = await caller(req, 'campaign.read');
      const q = queryOf(req, ['group']);
      res.json({
        items: await campaigns.waiting(who, {
          group: q.group ? groupRef(q.group) : undefined,
        }),
      });
    }),
  );

  router.get(
    '/campaigns/history',
    audited('campaign-read', 'low', async (req, res, meta) => {
      const who = await caller(req, 'campaign.read');
      const q = queryOf(req, ['entityRef', 'decided', 'limit', 'cursor']);
      if (!q.entityRef) throw new InputError('entityRef is required');
      const entityRef = identityRef(q.entityRef);
      meta.entityRef = entityRef;
      const page = readPage(q);
      res.json(
        pageOf(
          await campaigns.history(who, entityRef, page, {
            decided: flag(q.decided, 'decided'),
          }),
          page,
        ),
      );
    }),
  );

  router.get(
    '/campaigns/:id',
    audited('campaign-read', 'low', async (req, res) => {
      const who = await caller(req, 'campaign.read');
      queryOf(req, []);
      res.json(await campaigns.getCampaign(who, req.params.id));
    }),
  );

  router.post(
    '/campaigns/:id/close',
    audited('campaign-close', 'medium', async (req, res) => {
      const who = await caller(req, 'campaign.manage');
      queryOf(req, []);
      parseBody(schemas.empty, req, 'close');
      res.json(await campaigns.closeCampaign(who, req.params.id));
    }),
  );

  router.get(
    '/campaigns/:id/items',
    audited('campaign-read', 'low', async (req, res) => {
      const who = await caller(req, 'campaign.read');
      const q = queryOf(req, [
        'status',
        'toReview',
        'owner',
        'q',
        'limit',
        'cursor',
      ]);
      const page = readPage(q, MAX_ITEMS_PAGE);
      let owner: string | null | undefined;
      if (q.owner) {
        owner =
          q.owner.toLowerCase() === 'unowned'
            ? null
            : normalizeRef(q.owner, 'group', 'owner');
      }
      const result = await campaigns.listItems(
        who,
        req.params.id,
        {
          ...campaignItemStatuses(q.status),
          toReview: flag(q.toReview, 'toReview'),
          owner,
          q: q.q,
        },
        page,
      );
      res.json(pageOf(result, page));
    }),
  );

  router.post(
    '/campaigns/:id/items/:itemId/decision',
    audited('campaign-decide', 'medium', async (req, res, meta) => {
      meta.itemId = req.params.itemId;
      const who = await caller(req, 'campaign.decide');
      queryOf(req, []);
      const body = parseBody(schemas.decide, req, 'decision');
      meta.decision = body.decision;
      const item = await campaigns.decideItem(
        who,
        req.params.id,
        req.params.itemId,
        body,
      );
      meta.entityRef = item.entityRef;
      res.json(item);
    }),
  );

  router.post(
    '/campaigns/:id/decisions',
    audited('campaign-decide', 'medium', async (req, res, meta) => {
      const who = await caller(req, 'campaign.decide');
      queryOf(req, []);
      const body = parseBody(schemas.decideMany, req, 'decisions');
      meta.decision = body.decision;
      const result = await campaigns.decideItems(who, req.params.id, body);
      // every refusal is part of the audited call, with its reason
      Object.assign(meta, {
        decided: result.done.map(i => i.entityRef).join(','),
        refused: result.refused
          .map(r => `${r.itemId} (${r.status}: ${r.reason})`)
          .join('; '),
      });
      res.json(result);
    }),
  );

  router.post(
    '/campaigns/:id/reassign',
    audited('campaign-reassign', 'medium', async (req, res, meta) => {
      const who = await caller(req, 'campaign.read');
      queryOf(req, []);
      const body = parseBody(schemas.reassign, req, 'reassignment');
      const to = principalRef(body.to, 'to');
      meta.to = to;
      const result = await campaigns.reassignItems(who, req.params.id, {
        ...body,
        to,
      });
      Object.assign(meta, {
        reassigned: result.done.map(i => i.entityRef).join(','),
        refused: result.refused
          .map(r => `${r.itemId} (${r.status}: ${r.reason})`)
          .join('; '),
      });
      res.json(result);
    }),
  );

  router.get(
    '/campaigns/:id/export/:file',
    audited('campaign-export', 'medium', async (req, res, meta) => {
      const who = await caller(req, 'campaign.read');
      queryOf(req, []);
      const file = req.params.file as NhiCampaignExportFile;
      if (!NHI_CAMPAIGN_EXPORT_FILES.includes(file)) {
        throw new NotFoundError(
          `no evidence file ${file}; there are ${NHI_CAMPAIGN_EXPORT_FILES.join(
            ', ',
          )}`,
        );
      }
      meta.file = file;
      const evidence = await campaigns.exportFile(who, req.params.id, file);
      res
        .status(200)
        .set('Content-Type', evidence.contentType)
        .set(
          'Content-Disposition',
          `attachment; filename="campaign-${req.params.id}-${evidence.name}"`,
        )
        .set('Cache-Control', 'no-store')
        .send(evidence.data);
    }),
  );

  /** Since when identities are unowned: the pipeline's feed, and the deactivation list. */
  router.get(
    '/unowned',
    audited('unowned-read', 'low', async (req, res) => {
      const reader = await campaigns.feedReader(await credentials(req));
      const q = queryOf(req, ['pastGrace', 'limit', 'cursor']);
      const page = readPage(q);
      res.json(
        pageOf(
          await campaigns.unowned(
            reader,
            { pastGrace: flag(q.pastGrace, 'pastGrace') },
            page,
          ),
          page,
        ),
      );
    }),
  );
}
