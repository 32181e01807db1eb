package io.berth.spec;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.model.DesiredState;
import java.util.List;

/** The outcome of reading a desired document: valid with its state, or every error found. */
public sealed interface ParsedDocument {

    /** What is accepted but worth telling the author (a 'build' that is ignored, say), with paths. */
    List<SpecError> warnings();

    /** @param document the document as received, for revision comparisons and the state dir */
    record Valid(DesiredState state, JsonNode document, List<SpecError> warnings) implements ParsedDocument {
        public Valid {
            warnings = warnings == null ? List.of() : List.copyOf(warnings);
        }

        public Valid(DesiredState state, JsonNode document) {
            this(state, document, List.of());
        }

        /** The raw document may hold registry passwords: print only the parsed state, whose secrets print as ***. */
        @Override
        public String toString() {
            return "Valid[" + state + "]";
        }
    }

    /** @param revision the document's revision where one could be read, else null */
    record Invalid(Long revision, List<SpecError> errors, List<SpecError> warnings) implements ParsedDocument {
        public Invalid {
            errors = List.copyOf(errors);
            warnings = warnings == null ? List.of() : List.copyOf(warnings);
        }

        public Invalid(Long revision, List<SpecError> errors) {
            this(revision, errors, List.of());
        }

        public String summary() {
            return errors.size() == 1 ? errors.get(0).toString() : errors.size() + " errors, first: " + errors.get(0);
        }
    }
}
