import { LoggerService } from '@backstage/backend-plugin-api';
import {
  NotificationSendOptions,
  NotificationService,
} from '@backstage/plugin-notifications-node';
import { NhiCampaign } from '@backstage-nhi/plugin-nhi-common';

/** What a campaign notice says. */
export type CampaignNoticeKind =
  | 'started'
  | 'reminder'
  | 'due-soon'
  | 'overdue'
  | 'escalated';

const day = (iso: string) => iso.slice(0, 10);

/**
 * Tells reviewers about access reviews through the notifications backend:
 * a campaign started, a reminder on its cadence, its due date coming, items
 * overdue (daily), items escalated to them; and suggested owners about
 * identities nobody owns on the way to the end of the grace period. One
 * notification per recipient and occasion, with the count. A notification
 * that cannot be sent is logged, never an error of what caused it.
 */
export class CampaignsNotifier {
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

  /** A notice about a campaign to one recipient (a user, or a group's members). */
  async campaign(
    kind: CampaignNoticeKind,
    campaign: Pick<NhiCampaign, 'id' | 'name' | 'dueAt'>,
    recipient: string,
    count: number,
  ) {
    const items = `${count} ${count === 1 ? 'identity' : 'identities'}`;
    const due = day(campaign.dueAt);
    const text: Record<CampaignNoticeKind, [string, string]> = {
      started: [
        `Access review: ${campaign.name}`,
        `${items} to review by ${due}: certify what is still needed, revoke or reduce the rest.`,
      ],
      reminder: [
        `Reminder — access review: ${campaign.name}`,
        `${items} still wait for your decision (due ${due}).`,
      ],
      'due-soon': [
        `Due ${due} — access review: ${campaign.name}`,
        `${items} still wait for your decision.`,
      ],
      overdue: [
        `Overdue — access review: ${campaign.name}`,
        `${items} were due on ${due} and still wait for a decision.`,
      ],
      escalated: [
        `Escalated to you — access review: ${campaign.name}`,
        `${items} were not decided by ${due}; you can decide them now.`,
      ],
    };
    const [title, description] = text[kind];
    await this.send(
      `NHI campaign ${campaign.id}: ${kind} notice to ${recipient} not sent`,
      { type: 'entity', entityRef: recipient },
      {
        title,
        description,
        link: `/nhi?tab=campaigns&campaign=${encodeURIComponent(campaign.id)}`,
        severity:
          kind === 'overdue' || kind === 'escalated' ? 'high' : 'normal',
        topic: 'nhi-campaigns',
      },
    );
  }

  /**
   * Identities nobody owns that name the recipient as a suggested owner,
   * `days` days into the grace period that ends on `graceEndsAt`.
   */
  async unowned(
    recipient: string,
    count: number,
    days: number,
    graceDays: number,
    graceEndsAt: string,
  ) {
    const items = `${count} unowned ${count === 1 ? 'identity' : 'identities'}`;
    await this.send(
      `NHI unowned-identity notice to ${recipient} not sent`,
      { type: 'entity', entityRef: recipient },
      {
        title: `${items} may be yours (day ${days} of ${graceDays})`,
        description: `Nobody owns ${
          count === 1 ? 'it' : 'them'
        }, and ${recipient} is suggested as the owner. Claim what you use: from ${day(
          graceEndsAt,
        )} on, what is still unowned is listed for deactivation.`,
        link: '/nhi?tab=unowned',
        severity: days >= graceDays ? 'high' : 'normal',
        topic: 'nhi-unowned',
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
