/**
 * The error codes of IB's Flex Web Service, version 3 (IB's table: 1001 and 1003 to 1021), each with what it means
 * for the run and what the user should do. IB sends them in a FlexStatementResponse, to SendRequest or to
 * GetStatement: `<Status>Fail</Status>` (or `Warn`), `<ErrorCode>`, `<ErrorMessage>`.
 */

/** What a code asks of the client. */
export type FlexCodeKind =
  /** The statement is still being generated: ask GetStatement again with the same reference code, a little later. */
  | 'generating'
  /** Nothing wrong with the set-up: the same request may succeed later (a later run asks again). */
  | 'later'
  /** The set-up is wrong (token, query, account): asking again cannot help until the user changes it. */
  | 'fix';

export interface FlexCode {
  kind: FlexCodeKind;
  /** IB's own wording, shortened. */
  meaning: string;
  /** What the user should do, or why nothing is needed. */
  action: string;
}

const WEB_SERVICE_PAGE =
  'Client Portal > Settings > Account Settings > Flex Web Service (Reporting > Flex Queries > Flex Web Service Configuration)';
const QUERY_PAGE = 'Client Portal > Performance & Reports > Flex Queries';

const LATER = 'nothing to do: a later run asks again';

export const FLEX_CODES: ReadonlyMap<number, FlexCode> = new Map<number, FlexCode>([
  [1001, { kind: 'later', meaning: 'statement could not be generated at this time', action: LATER }],
  [
    1003,
    {
      kind: 'later',
      meaning: 'statement is not available',
      action:
        'an Activity Flex Query covers only days IB has closed (after its end-of-day processing); for the current day use a Trade Confirmation Flex Query. A later run asks again',
    },
  ],
  [1004, { kind: 'later', meaning: 'statement is incomplete at this time', action: LATER }],
  [1005, { kind: 'later', meaning: 'settlement data is not ready at this time', action: LATER }],
  [1006, { kind: 'later', meaning: 'FIFO P/L data is not ready at this time', action: LATER }],
  [1007, { kind: 'later', meaning: 'MTM P/L data is not ready at this time', action: LATER }],
  [1008, { kind: 'later', meaning: 'MTM and FIFO P/L data is not ready at this time', action: LATER }],
  [1009, { kind: 'generating', meaning: 'the server is under heavy load', action: LATER }],
  [
    1010,
    {
      kind: 'fix',
      meaning: 'legacy Flex Queries are no longer supported',
      action: `create an Activity or Trade Confirmation Flex Query in ${QUERY_PAGE} and set FLEX_QUERY_ID to its id`,
    },
  ],
  [
    1011,
    {
      kind: 'fix',
      meaning: 'the Flex Web Service is inactive for this account',
      action: `activate it in ${WEB_SERVICE_PAGE}, then generate a token and set FLEX_TOKEN`,
    },
  ],
  [
    1012,
    {
      kind: 'fix',
      meaning: 'the token has expired',
      action: `generate a new token in ${WEB_SERVICE_PAGE} (choose a longer "Should Expire After") and set FLEX_TOKEN to it`,
    },
  ],
  [
    1013,
    {
      kind: 'fix',
      meaning: "IP restriction: the token is bound to another IP address than this machine's",
      action: `generate a new token in ${WEB_SERVICE_PAGE} with this machine's public IP address (or none) in "Valid For IP Address", and set FLEX_TOKEN`,
    },
  ],
  [
    1014,
    {
      kind: 'fix',
      meaning: 'the query is invalid',
      action: `check FLEX_QUERY_ID: it is the Query ID shown next to the query in ${QUERY_PAGE}, and the query must belong to the token's user`,
    },
  ],
  [
    1015,
    {
      kind: 'fix',
      meaning: 'the token is invalid',
      action: `copy the current token from ${WEB_SERVICE_PAGE} into FLEX_TOKEN (generating a new token invalidates the previous one)`,
    },
  ],
  [
    1016,
    {
      kind: 'fix',
      meaning: 'the account is invalid',
      action: `check that the Flex query's accounts include IB_ACCOUNT, in ${QUERY_PAGE}`,
    },
  ],
  [1017, { kind: 'later', meaning: 'the reference code is invalid (it expired, or was never issued)', action: LATER }],
  [
    1018,
    {
      kind: 'later',
      meaning: 'too many requests have been made from this token (IB allows one a second, 10 a minute)',
      action: 'nothing to do unless something else uses the same token: a later run asks again',
    },
  ],
  [1019, { kind: 'generating', meaning: 'statement generation in progress', action: LATER }],
  [
    1020,
    {
      kind: 'fix',
      meaning: 'invalid request, or the request could not be validated',
      action: "check FLEX_URL (IB's base URL ends in /AccountManagement/FlexWebService), FLEX_TOKEN and FLEX_QUERY_ID",
    },
  ],
  [1021, { kind: 'generating', meaning: 'statement could not be retrieved at this time', action: LATER }],
]);

/** The entry for a code, or a generic one for a code IB's table does not have. */
export function flexCode(code: number): FlexCode {
  return (
    FLEX_CODES.get(code) ?? {
      kind: 'fix',
      meaning: "a code not in IB's documented table",
      action: "read IB's message above; if it persists, check the Flex Web Service set-up in Client Portal",
    }
  );
}
