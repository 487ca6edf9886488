import { LoggerService } from '@backstage/backend-plugin-api';
import { parseEntityRef } from '@backstage/catalog-model';
import {
  NotificationSendOptions,
  NotificationService,
} from '@backstage/plugin-notifications-node';
import {
  NhiClaim,
  NhiException,
  nhiRuleById,
  NonHumanIdentityEntity,
} from '@backstage-nhi/plugin-nhi-common';
import { NhiClaimResource } from '../permissions/rules';

/**
 * Tells people about claims and exception requests through the
 * notifications backend: reviewers of what waits for them, claimants and
 * requesters of decisions, both teams of a transfer. A notification that
 * cannot be sent is logged, never an error of the call that caused it.
 * Without a notifications service it does nothing.
 */
export class ClaimsNotifier {
  constructor(
    private readonly options: {
      notifications?: NotificationService;
      logger: LoggerService;
    },
  ) {}

  /** Whether anything is sent at all (there is a notifications service). */
  get enabled(): boolean {
    return Boolean(this.options.notifications);
  }

  /**
   * A new claim, to those who decide it (`reviewers`); a transfer also to
   * both teams.
   */
  async claimRequested(
    claim: NhiClaimResource,
    identity: NonHumanIdentityEntity,
    reviewers: string[],
  ) {
    const name = identity.metadata.title ?? identity.metadata.name;
    let recipients: string[];
    let title: string;
    let description = `${claim.createdBy}: ${claim.justification}`;
    if (claim.currentOwner) {
      recipients = [...reviewers, claim.currentOwner, claim.group];
      title = `Transfer requested: ${name} from ${claim.currentOwner} to ${claim.group}`;
      description += ` — a lead of ${claim.currentOwner} consents, or a reviewer decides with a reason.`;
    } else {
      recipients = reviewers;
      title = `Ownership claim: ${name} for ${claim.group}`;
    }
    recipients = [...new Set(recipients)];
    if (!recipients.length) return;
    await this.send(
      `NHI claim ${claim.id}: reviewers not notified`,
      {
        type: 'entity',
        entityRef: recipients,
        excludeEntityRef: claim.createdBy,
      },
      {
        title,
        description,
        link: link(claim.entityRef),
        severity: 'normal',
        topic: 'nhi-claims',
      },
    );
  }

  /**
   * The outcome, to the claimant; for a decided transfer, to both teams as
   * well (`from` is the group it was to be taken from).
   */
  async claimDecided(
    claim: NhiClaim,
    outcome: 'approved' | 'rejected' | 'closed',
    from?: string,
  ) {
    const text = {
      approved: `approved: ${claim.group} now owns it`,
      rejected: `rejected${claim.comment ? `: ${claim.comment}` : ''}`,
      closed: `closed: ${claim.closedReason ?? 'another claim was approved'}`,
    }[outcome];
    const recipients = from
      ? [...new Set([claim.createdBy, from, claim.group])]
      : claim.createdBy;
    await this.send(
      `NHI claim ${claim.id}: claimant not notified`,
      { type: 'entity', entityRef: recipients },
      {
        title: from
          ? `Transfer of ${claim.entityRef} from ${from} to ${claim.group} ${outcome}`
          : `Your claim of ${claim.entityRef} was ${outcome}`,
        description: `${
          from
            ? `Transfer to ${claim.group} requested by ${claim.createdBy}`
            : `Claim for ${claim.group}`
        } ${text}`,
        link: link(claim.entityRef),
        severity: outcome === 'approved' ? 'normal' : 'low',
        topic: 'nhi-claims',
      },
    );
  }

  /** A request to accept a high or critical finding, to those who decide it. */
  async exceptionRequested(
    exception: NhiException,
    identity: NonHumanIdentityEntity,
    reviewers: string[],
  ) {
    if (!reviewers.length) return;
    const rule = nhiRuleById(exception.ruleId);
    await this.send(
      `NHI exception ${exception.id}: reviewers not notified`,
      {
        type: 'entity',
        entityRef: reviewers,
        excludeEntityRef: exception.createdBy,
      },
      {
        title: `Risk acceptance requested: ${
          rule?.title ?? exception.ruleId
        } (${exception.severity}) on ${
          identity.metadata.title ?? identity.metadata.name
        }`,
        description: `${exception.createdBy} asks to accept ${
          exception.ruleId
        } until ${exception.until.slice(0, 10)}: ${exception.justification}`,
        link: link(exception.entityRef),
        severity: 'normal',
        topic: 'nhi-exceptions',
      },
    );
  }

  /** A reviewer's decision on a request, to its requester. */
  async exceptionDecided(
    exception: NhiException,
    decision: 'approved' | 'rejected',
  ) {
    await this.send(
      `NHI exception ${exception.id}: requester not notified`,
      { type: 'entity', entityRef: exception.createdBy },
      {
        title: `Your request to accept ${exception.ruleId} on ${exception.entityRef} was ${decision}`,
        description: `${exception.reviewedBy ?? 'A reviewer'} ${decision} it${
          exception.reviewComment ? `: ${exception.reviewComment}` : ''
        }`,
        link: link(exception.entityRef),
        severity: decision === 'approved' ? 'normal' : 'low',
        topic: 'nhi-exceptions',
      },
    );
  }

  private async send(
    failure: string,
    recipients: NotificationSendOptions['recipients'],
    payload: NotificationSendOptions['payload'],
  ) {
    const { notifications, logger } = this.options;
    if (!notifications) return;
    try {
      await notifications.send({ recipients, payload });
    } catch (e) {
      logger.warn(`${failure}: ${e}`);
    }
  }
}

/** The identity's page in the portal. */
function link(entityRef: string) {
  const { namespace, name } = parseEntityRef(entityRef);
  return `/catalog/${namespace}/nonhumanidentity/${name}`;
}
