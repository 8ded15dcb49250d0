package org.compliancepipeline.schemas.json;

import java.util.List;

/** Either a value or every problem found on the way to it (never only the first). */
public sealed interface MappingResult<T> {

    record Valid<T>(T value) implements MappingResult<T> { }

    record Invalid<T>(List<FieldError> errors) implements MappingResult<T> {
        public Invalid {
            if (errors.isEmpty()) throw new IllegalArgumentException("an invalid result needs at least one error");
            errors = List.copyOf(errors);
        }
    }

    default boolean isValid() {
        return this instanceof Valid;
    }

    default T orElseThrow() {
        return switch (this) {
            case Valid<T> v -> v.value();
            case Invalid<T> i -> throw new IllegalArgumentException("invalid: " + i.errors());
        };
    }

    default List<FieldError> errors() {
        return this instanceof Invalid<T> i ? i.errors() : List.of();
    }
}
