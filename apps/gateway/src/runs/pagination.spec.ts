import { describe, expect, it } from 'vitest';
import { NEXT_LABEL, PREVIOUS_LABEL, pageWindow, paginate } from './pagination.js';

const PATH = 'http://localhost/api/v1/ingest';

describe('paginate (seed 004 envelope)', () => {
  it('fills links and Laravel meta for a middle page, keeping the filters in every URL', () => {
    const page = paginate(['d', 'e'], {
      page: 2,
      perPage: 2,
      total: 5,
      count: 2,
      path: PATH,
      query: { importer: 'stations', status: undefined, per_page: 2 },
    });
    const url = (n: number): string => `${PATH}?importer=stations&per_page=2&page=${n}`;
    expect(page).toEqual({
      data: ['d', 'e'],
      links: { first: url(1), last: url(3), prev: url(1), next: url(3) },
      meta: {
        current_page: 2,
        from: 3,
        last_page: 3,
        links: [
          { url: url(1), label: PREVIOUS_LABEL, active: false },
          { url: url(1), label: '1', active: false },
          { url: url(2), label: '2', active: true },
          { url: url(3), label: '3', active: false },
          { url: url(3), label: NEXT_LABEL, active: false },
        ],
        path: PATH,
        per_page: 2,
        to: 4,
        total: 5,
      },
    });
  });

  it('has no prev on the first page, no next on the last, and from/to null when empty', () => {
    const empty = paginate([], { page: 1, perPage: 15, total: 0, count: 0, path: PATH });
    expect(empty.links).toEqual({ first: `${PATH}?page=1`, last: `${PATH}?page=1`, prev: null, next: null });
    expect(empty.meta).toMatchObject({ current_page: 1, from: null, to: null, last_page: 1, total: 0 });
    const beyond = paginate([], { page: 9, perPage: 15, total: 20, count: 0, path: PATH });
    expect(beyond.meta).toMatchObject({ from: null, to: null, last_page: 2 });
    expect(beyond.links.next).toBeNull();
    expect(beyond.links.prev).toBe(`${PATH}?page=8`);
  });

  it('replaces a page given in the filters by the link’s own page', () => {
    const page = paginate(['a'], { page: 1, perPage: 1, total: 2, count: 1, path: PATH, query: { page: 1 } });
    expect(page.links.next).toBe(`${PATH}?page=2`);
  });
});

describe('pageWindow', () => {
  it('lists every page when there are few', () => {
    expect(pageWindow(1, 13)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
  });

  it('collapses far pages into gaps around the current one', () => {
    expect(pageWindow(2, 30)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, null, 29, 30]);
    expect(pageWindow(15, 30)).toEqual([1, 2, null, 12, 13, 14, 15, 16, 17, 18, null, 29, 30]);
    expect(pageWindow(29, 30)).toEqual([1, 2, null, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30]);
  });
});
