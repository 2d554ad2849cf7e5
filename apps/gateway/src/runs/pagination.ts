/**
 * Seed 004's paginated envelope (Laravel's length-aware paginator): `links` with the first, last,
 * previous and next page URLs, and `meta` with the page window clients draw as page buttons.
 */
export interface PageLink {
  url: string | null;
  label: string;
  active: boolean;
}

export interface PaginationLinks {
  first: string;
  last: string;
  prev: string | null;
  next: string | null;
}

export interface PaginationMeta {
  current_page: number;
  from: number | null;
  last_page: number;
  links: PageLink[];
  path: string;
  per_page: number;
  to: number | null;
  total: number;
}

export interface Paginated<T> {
  data: T[];
  links: PaginationLinks;
  meta: PaginationMeta;
}

export interface PageRequest {
  page: number;
  perPage: number;
  total: number;
  /** Items on this page. */
  count: number;
  /** Absolute URL of the list without a query string. */
  path: string;
  /** Filters to keep in every page URL (undefined values are left out); `page` is set per link. */
  query?: Record<string, string | number | undefined>;
}

/** Pages on each side of the current one before the window collapses into `...` (Laravel's default). */
const ON_EACH_SIDE = 3;
export const PREVIOUS_LABEL = '&laquo; Previous';
export const NEXT_LABEL = 'Next &raquo;';

export function paginate<T>(data: T[], request: PageRequest): Paginated<T> {
  const { page, perPage, total, count } = request;
  const lastPage = Math.max(1, Math.ceil(total / perPage));
  const url = (n: number): string => pageUrl(request, n);
  const from = count > 0 ? (page - 1) * perPage + 1 : null;
  const prev = page > 1 ? url(page - 1) : null;
  const next = page < lastPage ? url(page + 1) : null;
  const links: PageLink[] = [
    { url: prev, label: PREVIOUS_LABEL, active: false },
    ...pageWindow(page, lastPage).map((n) =>
      n === null ? { url: null, label: '...', active: false } : { url: url(n), label: String(n), active: n === page },
    ),
    { url: next, label: NEXT_LABEL, active: false },
  ];
  return {
    data,
    links: { first: url(1), last: url(lastPage), prev, next },
    meta: {
      current_page: page,
      from,
      last_page: lastPage,
      links,
      path: request.path,
      per_page: perPage,
      to: from === null ? null : from + count - 1,
      total,
    },
  };
}

/**
 * The page numbers to show, `null` standing for a gap: every page when there are few, else the first
 * pages, the current one with its neighbours, and the last pages.
 */
export function pageWindow(current: number, lastPage: number): (number | null)[] {
  const range = (a: number, b: number): number[] => Array.from({ length: Math.max(0, b - a + 1) }, (_, i) => a + i);
  if (lastPage < ON_EACH_SIDE * 2 + 8) return range(1, lastPage);
  const window = ON_EACH_SIDE + 4;
  const start = [1, 2];
  const finish = [lastPage - 1, lastPage];
  if (current <= window) return [...range(1, window + ON_EACH_SIDE), null, ...finish];
  if (current > lastPage - window) return [...start, null, ...range(lastPage - (window + ON_EACH_SIDE - 1), lastPage)];
  return [...start, null, ...range(current - ON_EACH_SIDE, current + ON_EACH_SIDE), null, ...finish];
}

function pageUrl(request: PageRequest, page: number): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(request.query ?? {})) {
    if (value !== undefined && key !== 'page') params.set(key, String(value));
  }
  params.set('page', String(page));
  return `${request.path}?${params.toString()}`;
}
