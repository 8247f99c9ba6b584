import { Body, Controller, Get, Module, Post } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Length, Min, ValidateNested } from 'class-validator';
import { Public } from '../../src/common/decorators/public.decorator';

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
