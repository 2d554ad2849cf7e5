import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Length,
} from 'class-validator';
import { VRT_RESOLUTIONS, VRT_TYPES, type VrtResolution, type VrtType } from '@app/contracts';

export const MAX_VRT_SOURCES = 500;

export class CreateVrtRequestDto {
  /**
   * Raster datasets to combine (at least 2), in mosaic order (band order for a band stack).
   * @example ["5d0b7c2e-9a51-4b8e-8f7e-0c9d6a1b2c3d", "0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e"]
   */
  @ArrayUnique()
  @ArrayMaxSize(MAX_VRT_SOURCES)
  @ArrayMinSize(2)
  @IsUUID('all', { each: true })
  @IsArray()
  source_dataset_ids!: string[];

  /**
   * `mosaic`: sources side by side (same band count); `band_stack`: one band per single-band source, all on one pixel grid.
   * @example "mosaic"
   */
  @IsIn(VRT_TYPES)
  vrt_type!: VrtType;

  /**
   * Pixel size of a mosaic whose sources differ: the finest, the coarsest or their average.
   * @example "finest"
   */
  @IsIn(VRT_RESOLUTIONS)
  resolution_strategy!: VrtResolution;

  /**
   * Dataset title.
   * @example "Orthophoto tiles 2026"
   */
  @Length(1, 255)
  @IsString()
  title!: string;

  /**
   * Free-text description.
   * @example "All 1 km tiles of the spring flight."
   */
  @IsOptional()
  @Length(1, 4000)
  @IsString()
  summary?: string;
}

export class AddVrtSourceRequestDto {
  /**
   * The raster dataset to add at the end of the mosaic.
   * @example "9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f"
   */
  @IsUUID('all')
  source_dataset_id!: string;
}
