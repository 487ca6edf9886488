export interface Config {
  /** The demo portal's generated data. Development only. */
  nhiDemo?: {
    /** false turns the demo data off (e.g. for bench/catalog-scale.ts). Default true. */
    enabled?: boolean;
    /** Serve a generated AWS organization from the test IAM endpoint. */
    aws?: {
      /** Port on 127.0.0.1; point nhi.sources.aws.<id>.endpoint at it. */
      port: number;
      /** Accounts in the organization. Default 3. */
      accounts?: number;
      /** IAM users and roles in total. Default 600. */
      identities?: number;
    };
    /** Generate the demo company's identity inventory at start-up. */
    inventory?: {
      /** Where to write it (relative to packages/backend); point a file source at it. */
      target: string;
      /** Where to write a generated gitleaks report naming a few of them. */
      leakReport?: string;
      /** How many identities. Default 2000. */
      identities?: number;
    };
  };
}
