import {
  applyDecorators,
  Controller,
  Get,
  Param,
  ParseUUIDPipe,
  StreamableFile,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { createReadStream } from 'node:fs';
import { Actor, CurrentUser } from '../../common/decorators/current-user.decorator';
import { DocumentFile, InvoicesService } from './invoices.service';

const pdfDownload = (summary: string, description: string, notFound: string) =>
  applyDecorators(
    ApiOperation({ summary, description }),
    ApiParam({ name: 'id', format: 'uuid', description: 'The order id' }),
    ApiProduces('application/pdf'),
    ApiOkResponse({
      description: 'The PDF, as an attachment named after its number',
      content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
    }),
    ApiBadRequestResponse({ description: 'The id is not a UUID' }),
    ApiNotFoundResponse({ description: notFound }),
  );

function download(file: DocumentFile): StreamableFile {
  return new StreamableFile(createReadStream(file.path), {
    type: 'application/pdf',
    disposition: `attachment; filename="${file.fileName}"`,
  });
}

@ApiTags('orders')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'No valid access token' })
@Controller('orders')
export class InvoicesController {
  constructor(private readonly invoices: InvoicesService) {}

  @Get(':id/invoice')
  @pdfDownload(
    'Download the order’s invoice (PDF)',
    'For the order’s owner and admins. The invoice is issued by a worker shortly after the ' +
      'order is paid: until then (and for an order never paid) the answer is 404.',
    'No such order (or not yours), or its invoice is not issued yet',
  )
  async invoice(
    @CurrentUser() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<StreamableFile> {
    return download(await this.invoices.findFile(actor, id, 'invoice'));
  }

  @Get(':id/credit-note')
  @pdfDownload(
    'Download the latest credit note of a refunded order (PDF)',
    'For the order’s owner and admins. Each refund gets its own credit note, issued by a ' +
      'worker after the refund (404 until then); `creditNotes` in the order lists them all.',
    'No such order (or not yours), or no credit note issued',
  )
  async creditNote(
    @CurrentUser() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<StreamableFile> {
    return download(await this.invoices.findFile(actor, id, 'credit_note'));
  }

  @Get(':id/credit-notes/:number')
  @pdfDownload(
    'Download one credit note of an order by its number (PDF)',
    'For the order’s owner and admins; the numbers are in the order’s `creditNotes`.',
    'No such order (or not yours), or no such credit note of it',
  )
  async creditNoteByNumber(
    @CurrentUser() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('number') number: string,
  ): Promise<StreamableFile> {
    return download(await this.invoices.findFile(actor, id, 'credit_note', number));
  }
}
