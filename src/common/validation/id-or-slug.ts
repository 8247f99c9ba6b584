import { ValidateBy, ValidationOptions } from 'class-validator';
import { parseIdOrSlug } from '../text/slug';

/** The value is an id (UUID) or a slug (`two-person-tent`), as `parseIdOrSlug` reads it. */
export function IsIdOrSlug(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isIdOrSlug',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && parseIdOrSlug(value) !== null,
        defaultMessage: () =>
          '$property must be an id (UUID) or a slug (lowercase-words-like-this)',
      },
    },
    options,
  );
}
