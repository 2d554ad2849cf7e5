import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { RequestValidationException } from '@app/common';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Path ids are UUIDs; anything else is a 400 validation problem pointing at the parameter. */
@Injectable()
export class UuidParamPipe implements PipeTransform<string, string> {
  transform(value: string, metadata: ArgumentMetadata): string {
    if (!UUID.test(value)) {
      throw new RequestValidationException([
        { loc: ['path', metadata.data ?? 'id'], msg: `${metadata.data ?? 'id'} must be a UUID`, type: 'isUuid' },
      ]);
    }
    return value.toLowerCase();
  }
}
