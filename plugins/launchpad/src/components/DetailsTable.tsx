import { ReactNode } from 'react';
import { Link, StructuredMetadataTable } from '@backstage/core-components';
import { EntityLink } from '@backstage/catalog-model';

/** Label/value rows; rows whose value is missing are left out. */
export type DetailRows = Array<[label: string, value: ReactNode | undefined]>;

const keepLabel = (label: string) => label;

export function DetailsTable(props: { rows: DetailRows }) {
  const metadata = Object.fromEntries(
    props.rows.filter(([, value]) => value !== undefined && value !== null),
  );
  return (
    <StructuredMetadataTable
      dense
      metadata={metadata}
      options={{ titleFormat: keepLabel }}
    />
  );
}

/** An external link that shows its target, so operators see the host. */
export function UrlLink(props: { url: string; text?: string }) {
  return <Link to={props.url}>{props.text ?? props.url}</Link>;
}

export function entityLinkValue(link: EntityLink | undefined) {
  return link ? <UrlLink url={link.url} /> : undefined;
}
