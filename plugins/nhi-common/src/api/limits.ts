/**
 * Lengths, in characters, that a text field of a claim, an exception or a
 * review decision must keep to (after trimming): the claims backend refuses
 * a body outside them (400), and the dialogs do not send one.
 *
 * - `entityRef`, `group`: the identity and the team, as entity refs;
 * - `ruleId`: the rule whose finding an exception accepts;
 * - `justification`: why a team owns an identity, why a risk is acceptable;
 * - `comment`: an approval's or a release's optional comment;
 * - `reason`: why a claim or an exception request is rejected (the
 *   frontend asks as much of a reviewer approving a transfer without the
 *   owner's consent, which the backend only requires to be given);
 * - `until`: the exception's end, an ISO date or date-time;
 * - `campaignName`, `campaignDescription`: an access-review campaign's name
 *   and what it is for;
 * - `note`: why a reviewer revokes or reduces an identity (optional when
 *   certifying).
 *
 * @public
 */
export const NHI_TEXT_LIMITS = {
  entityRef: { min: 1, max: 255 },
  group: { min: 1, max: 255 },
  ruleId: { min: 1, max: 64 },
  justification: { min: 10, max: 2000 },
  comment: { min: 1, max: 2000 },
  reason: { min: 3, max: 2000 },
  until: { min: 10, max: 40 },
  campaignName: { min: 3, max: 200 },
  campaignDescription: { min: 1, max: 2000 },
  note: { min: 3, max: 2000 },
} as const;

/**
 * The name of a text field with length limits.
 *
 * @public
 */
export type NhiTextField = keyof typeof NHI_TEXT_LIMITS;
