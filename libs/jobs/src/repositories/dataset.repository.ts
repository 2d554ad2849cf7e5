import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { NotFoundError } from '@app/common';
import { DataSource, type Repository } from 'typeorm';
import { Dataset } from '../entities/dataset.entity.js';
import { selectOne, selectPage } from './page.js';
import { ReadCoalescer } from './read-coalescer.js';

@Injectable()
export class DatasetRepository {
  private readonly repo: Repository<Dataset>;
  /** Identical list pages asked at once are read once (`ReadCoalescer`). */
  private readonly pages = new ReadCoalescer<[Dataset[], number]>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.repo = dataSource.getRepository(Dataset);
  }

  /**
   * The dataset if `owner` owns it; otherwise a 404 that does not reveal whether it exists. One fixed
   * statement (`selectOne`), not a TypeORM query built per call: it serves GET /api/datasets/{id}.
   */
  async getForOwner(id: string, owner: string): Promise<Dataset> {
    const dataset = await selectOne<Dataset>(this.dataSource, this.repo.metadata, { id, owner });
    if (!dataset) throw new NotFoundError('Dataset', id);
    return dataset;
  }

  /**
   * One page of the owner's datasets, newest first, and how many there are. Callers asking for the same
   * page at once share one read (`ReadCoalescer`) and its result, which they must not change.
   */
  listForOwner(owner: string, page: number, perPage: number): Promise<[Dataset[], number]> {
    return this.pages.run(JSON.stringify([owner, page, perPage]), () =>
      selectPage<Dataset>(this.dataSource, this.repo.metadata, {
        equal: { owner },
        orderBy: 'created_at DESC, id ASC',
        page,
        perPage,
      }),
    );
  }
}
