/**
 * An AWS partition: the ARN prefix and the console of a group of regions.
 *
 * @public
 */
export interface AwsPartition {
  /** `aws`, `aws-us-gov`, `aws-cn`… as in `arn:<partition>:…`. */
  id: string;
  /** Console host of the partition, for links. */
  consoleHost: string;
}

const PARTITIONS: Array<{ prefix: string; partition: AwsPartition }> = [
  {
    prefix: 'us-gov-',
    partition: {
      id: 'aws-us-gov',
      consoleHost: 'console.amazonaws-us-gov.com',
    },
  },
  {
    prefix: 'cn-',
    partition: { id: 'aws-cn', consoleHost: 'console.amazonaws.cn' },
  },
  {
    prefix: 'us-isob-',
    partition: { id: 'aws-iso-b', consoleHost: 'console.sc2s.sgov.gov' },
  },
  {
    prefix: 'us-iso-',
    partition: { id: 'aws-iso', consoleHost: 'console.c2s.ic.gov' },
  },
  {
    prefix: 'eu-isoe-',
    partition: { id: 'aws-iso-e', consoleHost: 'console.cloud.adc-e.uk' },
  },
];

const COMMERCIAL: AwsPartition = {
  id: 'aws',
  consoleHost: 'console.aws.amazon.com',
};

/**
 * The partition a region belongs to: `us-gov-west-1` → `aws-us-gov`,
 * `cn-north-1` → `aws-cn`, anything else → `aws`.
 *
 * @public
 */
export function partitionOfRegion(region: string): AwsPartition {
  return (
    PARTITIONS.find(p => region.startsWith(p.prefix))?.partition ?? COMMERCIAL
  );
}

/** The account id of an ARN or a bare account id, or undefined. */
export function accountOfArn(value: string): string | undefined {
  if (/^\d{12}$/.test(value)) return value;
  const m = /^arn:[\w-]+:(?:iam|sts)::(\d{12}):/.exec(value);
  return m?.[1];
}
