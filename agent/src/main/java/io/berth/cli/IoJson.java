package io.berth.cli;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * {@code Io.JSON}, made when first used, not when an {@link Io} is: an interface without default
 * methods is not initialised with the classes that implement it (JLS 12.4.1), so a verb that
 * prints no JSON of its own (e.g. {@code berth status}) never sets up an ObjectMapper, whose
 * class set-up (its date format's calendar and locale data) costs more than the rest of the verb.
 */
interface IoJson {
    ObjectMapper JSON = new ObjectMapper();
}
