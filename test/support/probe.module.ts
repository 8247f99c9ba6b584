import { Body, Controller, Get, Module, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Length, Min, ValidateNested } from 'class-validator';
import { Public } from '../../src/common/decorators/public.decorator';
import { ImageStorage, StoredImage } from '../../src/common/uploads/image-storage.service';
import { readImageUpload } from '../../src/common/uploads/read-image-upload';

class ProbeAddress {
  @IsString()
  @Length(1, 100)
  city!: string;
}

export class ProbeBody {
  @IsString()
  @Length(2, 50)
  name!: string;

  @IsInt()
  @Min(1)
  quantity!: number;

  @IsOptional()
  @ValidateNested()
  @Type(() => ProbeAddress)
  address?: ProbeAddress;
}

/** Test-only routes that exercise the global request pipeline. */
@Public()
@Controller('__probe')
class ProbeController {
  constructor(private readonly images: ImageStorage) {}

  @Post('image')
  upload(@Req() request: FastifyRequest): Promise<StoredImage> {
    return readImageUpload(request, 1024).then((data) => this.images.store('product', data));
  }

  @Post('echo')
  echo(@Body() body: ProbeBody): ProbeBody {
    return body;
  }

  @Get('boom')
  boom(): never {
    throw new Error('connection to db-internal:5432 failed for password hunter2');
  }
}

@Module({ controllers: [ProbeController] })
export class ProbeModule {}
