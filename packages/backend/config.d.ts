export interface Config {
  /** The demo portal's generated data. Development only. */
  nhiDemo?: {
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
