import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { NotFoundError } from '@app/common';
import { DataSource, type Repository } from 'typeorm';
import { Dataset } from '../entities/dataset.entity.js';

@Injectable()
export class DatasetRepository {
  private readonly repo: Repository<Dataset>;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.repo = dataSource.getRepository(Dataset);
  }

  /** The dataset if `owner` owns it; otherwise a 404 that does not reveal whether it exists. */
  async getForOwner(id: string, owner: string): Promise<Dataset> {
    const dataset = await this.repo.findOneBy({ id, owner });
    if (!dataset) throw new NotFoundError('Dataset', id);
    return dataset;
  }

  async listForOwner(owner: string, page: number, perPage: number): Promise<[Dataset[], number]> {
    return this.repo.findAndCount({
      where: { owner },
      order: { createdAt: 'DESC', id: 'ASC' },
      skip: (page - 1) * perPage,
      take: perPage,
    });
  }
}
