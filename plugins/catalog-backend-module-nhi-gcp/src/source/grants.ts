import { GcpBinding } from './clients';
import { parseMember } from './roles';

/**
 * Where a role is granted: the organization, a folder, a project, or one
 * service account (its own IAM policy).
 *
 * @public
 */
export interface GcpGrantScope {
  kind: 'organization' | 'folder' | 'project' | 'service-account';
  /** Organization or folder number, project id, or the account's e-mail. */
  id: string;
}

/**
 * One role granted to a service account somewhere.
 *
 * @public
 */
export interface GcpGrant {
  role: string;
  on: GcpGrantScope;
  /** The IAM condition's title (or expression), when the grant has one. */
  condition?: string;
}

/** How a scope reads in a summary: `project acme-pay`, `organization 123`. */
export function describeScope(on: GcpGrantScope): string {
  return on.kind === 'service-account' ? on.id : `${on.kind} ${on.id}`;
}

/**
 * The roles granted to every service account, by e-mail, from the IAM
 * policies the read saw (organization, folders, projects, and service
 * accounts' own): built before any identity is normalized, so that a grant
 * in another project counts.
 *
 * @public
 */
export class GcpGrantIndex {
  private readonly byAccount = new Map<string, GcpGrant[]>();
  /** Resources whose policy could not be read (e.g. `project acme-pay`). */
  readonly unreadable: string[] = [];

  /** Adds the grants of one policy's bindings to the service accounts they name. */
  add(on: GcpGrantScope, bindings: GcpBinding[] | null | undefined): void {
    for (const b of bindings ?? []) {
      if (!b.role) continue;
      const condition =
        b.condition?.title?.trim() || b.condition?.expression?.trim();
      for (const m of b.members ?? []) {
        const member = parseMember(m);
        if (member.kind !== 'service-account') continue;
        const grant: GcpGrant = {
          role: b.role,
          on,
          ...(condition ? { condition } : {}),
        };
        const list = this.byAccount.get(member.email);
        if (list) list.push(grant);
        else this.byAccount.set(member.email, [grant]);
      }
    }
  }

  /** The grants of one account (by e-mail, any case). */
  of(email: string): GcpGrant[] {
    return this.byAccount.get(email.toLowerCase()) ?? [];
  }
}
