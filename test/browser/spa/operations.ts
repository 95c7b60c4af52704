import { gql, type TypedDocumentNode } from '@apollo/client';

/**
 * The operations of the page, typed by hand (a real app would generate these
 * types with the README's codegen.ts). `AuthorName` is a fragment on the
 * `Actor` interface: Apollo's cache matches it to `User` and `Guest` only
 * with `possibleTypes`.
 */

export interface Author {
  __typename: 'User' | 'Guest';
  id: string;
  name: string;
  isGuest: boolean;
}

export interface CommentNode {
  __typename: 'Comment';
  id: string;
  body: string;
  createdAt: string;
  cursor: string;
  author: Author;
}

export interface CommentEdge {
  __typename: 'CommentEdge';
  cursor: string;
  node: CommentNode;
}

export interface PageInfo {
  __typename: 'PageInfo';
  hasPreviousPage: boolean;
  hasNextPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

const AUTHOR_NAME = gql`
  fragment AuthorName on Actor {
    id
    name
    isGuest
  }
`;

const COMMENT_FIELDS = gql`
  fragment CommentFields on Comment {
    id
    body
    createdAt
    cursor
    author {
      ...AuthorName
    }
  }
  ${AUTHOR_NAME}
`;

export const LOG_IN: TypedDocumentNode<{ logIn: { token: string } }, { email: string; password: string }> = gql`
  mutation LogIn($email: String!, $password: String!) {
    logIn(input: { email: $email, password: $password }) {
      token
    }
  }
`;

export interface StartData {
  viewer: { __typename: 'User' | 'Guest'; id: string; name: string; isGuest: boolean };
  conversations: { nodes: Array<{ __typename: 'Conversation'; id: string; subject: string | null }> };
}

export const START: TypedDocumentNode<StartData, Record<string, never>> = gql`
  query Start {
    viewer {
      ...AuthorName
    }
    conversations(first: 20) {
      nodes {
        id
        subject
      }
    }
  }
  ${AUTHOR_NAME}
`;

export interface ConversationData {
  conversation: {
    __typename: 'Conversation';
    id: string;
    subject: string | null;
    viewerCanComment: boolean;
    /** Members only: a guest gets null here and a FORBIDDEN error at its path (errorPolicy 'all' keeps both). */
    labels: string[] | null;
    /** Members only, so asked for only when `$isMember`: a guest's response then has no error at all. */
    assignees?: Array<{ __typename: 'User'; id: string; name: string }> | null;
    comments: { __typename: 'CommentConnection'; totalCount: number; pageInfo: PageInfo; edges: CommentEdge[] };
  } | null;
}

export interface ConversationVariables {
  id: string;
  isMember: boolean;
  last: number;
  before?: string | null;
}

/** The newest comments first (`last`), older ones through `fetchMore({ variables: { before } })`. */
export const CONVERSATION: TypedDocumentNode<ConversationData, ConversationVariables> = gql`
  query Conversation($id: ID!, $isMember: Boolean!, $last: Int!, $before: String) {
    conversation(id: $id) {
      id
      subject
      viewerCanComment
      labels
      assignees @include(if: $isMember) {
        id
        name
      }
      comments(last: $last, before: $before) {
        totalCount
        pageInfo {
          hasPreviousPage
          hasNextPage
          startCursor
          endCursor
        }
        edges {
          cursor
          node {
            ...CommentFields
          }
        }
      }
    }
  }
  ${COMMENT_FIELDS}
`;

export const COMMENT_ADDED: TypedDocumentNode<{ commentAdded: CommentNode }, { id: string; after: string | null }> = gql`
  subscription CommentAdded($id: ID!, $after: String) {
    commentAdded(conversationId: $id, after: $after) {
      ...CommentFields
    }
  }
  ${COMMENT_FIELDS}
`;

export const POST_COMMENT: TypedDocumentNode<{ postComment: CommentNode }, { id: string; body: string }> = gql`
  mutation PostComment($id: ID!, $body: String!) {
    postComment(input: { conversationId: $id, body: $body }) {
      ...CommentFields
    }
  }
  ${COMMENT_FIELDS}
`;
