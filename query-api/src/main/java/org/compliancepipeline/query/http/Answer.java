package org.compliancepipeline.query.http;

/**
 * What a route answers: the JSON body, how many items it holds (for the audit trail) and the store
 * that answered (also in the body as {@code source}).
 */
public record Answer(Object body, long count, String source) { }
