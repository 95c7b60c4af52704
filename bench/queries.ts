/**
 * The operations a web client sends, as the benchmarks send them. Attachment
 * `url` is left out: it is signed per session with an expiry, so two servers
 * can never return the same bytes for it.
 */

const ACTOR = `__typename id name isGuest`;
const ATTACHMENT = `id filename contentType size`;

/** The conversation page: header, people, tasks, the external thread and the internal chat. */
export const CONVERSATION_PAGE = /* GraphQL */ `
  query ConversationPage($id: ID!, $messages: Int!, $comments: Int!) {
    conversation(id: $id) {
      id
      kind
      subject
      closed
      createdAt
      updatedAt
      labels
      allowGuests
      viewerCanComment
      viewerCanReply
      viewerCanManage
      viewerCanInviteGuests
      team { id name }
      assignees { id name }
      participants { ${ACTOR} }
      guests { id name status }
      tasks { id title done dueAt assignee { id name } }
      messages(first: $messages) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges {
          cursor
          node { id channel direction from to cc bcc subject body sentAt author { id name } attachments { ${ATTACHMENT} } }
        }
      }
      comments(first: $comments) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges {
          cursor
          node { id body createdAt author { ${ACTOR} } mentions { ${ACTOR} } attachments { ${ATTACHMENT} } }
        }
      }
    }
  }
`;

/** The inbox: the newest conversations with who is in them and their latest comments. */
export const CONVERSATION_LIST = /* GraphQL */ `
  query Inbox($first: Int!, $comments: Int!) {
    conversations(first: $first) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        id
        subject
        closed
        updatedAt
        assignees { id name }
        participants { ${ACTOR} }
        comments(first: $comments) {
          totalCount
          nodes { id body createdAt author { ${ACTOR} } }
        }
      }
    }
  }
`;

/** What a subscriber of a conversation receives for each new comment. */
export const COMMENT_ADDED = /* GraphQL */ `
  subscription CommentAdded($conversationId: ID!) {
    commentAdded(conversationId: $conversationId) {
      id body createdAt author { ${ACTOR} } mentions { ${ACTOR} } attachments { ${ATTACHMENT} }
    }
  }
`;

export const POST_COMMENT = /* GraphQL */ `
  mutation PostComment($input: PostCommentInput!) {
    postComment(input: $input) { id createdAt }
  }
`;
