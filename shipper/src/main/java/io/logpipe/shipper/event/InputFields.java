package io.logpipe.shipper.event;

import java.util.List;
import java.util.Map;

/**
 * What an input adds to each of its events (its type, fields, tags, JSON decoding), already merged with the global
 * {@code fields} and {@code tags}: computed once per input, not per event.
 *
 * @param fields     the user fields shipped under {@code fields}
 * @param rootFields the user fields shipped at the event's root ({@code fields_under_root: true})
 * @param json       the {@code json.*} decoding, or null when off
 */
public record InputFields(String type, Map<String, Object> fields, Map<String, Object> rootFields, List<String> tags,
                          JsonDecoding json) {

    /** The {@code json.*} options of the log input. */
    public record JsonDecoding(boolean keysUnderRoot, boolean overwriteKeys, boolean addErrorKey, String messageKey,
                               boolean ignoreDecodingError, boolean expandKeys) {
    }
}
