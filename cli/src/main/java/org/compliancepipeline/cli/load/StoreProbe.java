package org.compliancepipeline.cli.load;

import java.util.Collection;
import java.util.Set;

/** Asks one store which of some record ids it shows to readers. */
public interface StoreProbe extends AutoCloseable {
    /** Short name used in reports: postgresql, elasticsearch, redis. */
    String name();

    /** The ids of {@code recordIds} that are visible now. */
    Set<String> visible(Collection<String> recordIds) throws Exception;

    @Override
    void close();
}
