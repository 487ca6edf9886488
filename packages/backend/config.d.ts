export interface Config {
  /** The demo portal's generated data. Development only. */
  nhiDemo?: {
    /** Generate the demo company's identity inventory at start-up. */
    inventory?: {
      /** Where to write it (relative to packages/backend); point a file source at it. */
      target: string;
      /** How many identities. Default 2000. */
      identities?: number;
    };
  };
}
