package apiserver_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

func TestGroups(t *testing.T) {
	e := newUMEnv(t, nil, nil)
	created := time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC)
	e.Clock.Set(created)
	role := "arn:aws:iam::123456789012:role/admins"
	out, err := e.Client.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: aws.String(e.pool), GroupName: aws.String("admins"),
		Description: aws.String("Administrators"), RoleArn: aws.String(role), Precedence: aws.Int32(1)})
	umOK(t, err)
	g := out.Group
	if aws.ToString(g.GroupName) != "admins" || aws.ToString(g.UserPoolId) != e.pool || aws.ToString(g.Description) != "Administrators" ||
		aws.ToString(g.RoleArn) != role || aws.ToInt32(g.Precedence) != 1 || !g.CreationDate.Equal(created) || !g.LastModifiedDate.Equal(created) {
		t.Fatalf("CreateGroup = %+v", g)
	}
	_, err = e.Client.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: aws.String(e.pool), GroupName: aws.String("admins")})
	umWantErr(t, err, "GroupExistsException", "A group with the name admins already exists.")
	_, err = e.Client.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: aws.String(e.pool), GroupName: aws.String("plain")})
	umOK(t, err)
	if body := e.rawBody("GetGroup", fmt.Sprintf(`{"UserPoolId":%q,"GroupName":"plain"}`, e.pool)); slices.ContainsFunc([]string{"Description", "RoleArn", "Precedence"},
		func(k string) bool { return strings.Contains(body, k) }) {
		t.Errorf("unset members in %s", body)
	}

	get, err := e.Client.GetGroup(ctx, &cip.GetGroupInput{UserPoolId: aws.String(e.pool), GroupName: aws.String("admins")})
	umOK(t, err)
	if aws.ToString(get.Group.Description) != "Administrators" {
		t.Fatalf("GetGroup = %+v", get.Group)
	}
	_, err = e.Client.GetGroup(ctx, &cip.GetGroupInput{UserPoolId: aws.String(e.pool), GroupName: aws.String("nope")})
	umWantErr(t, err, "ResourceNotFoundException", "Group not found.")
	_, err = e.Client.GetGroup(ctx, &cip.GetGroupInput{UserPoolId: aws.String("us-east-1_Nope12345"), GroupName: aws.String("admins")})
	umWantErr(t, err, "ResourceNotFoundException", "User pool us-east-1_Nope12345 does not exist.")

	modified := created.Add(time.Hour)
	e.Clock.Set(modified)
	up, err := e.Client.UpdateGroup(ctx, &cip.UpdateGroupInput{UserPoolId: aws.String(e.pool), GroupName: aws.String("admins"), Precedence: aws.Int32(5)})
	umOK(t, err)
	if aws.ToInt32(up.Group.Precedence) != 5 || aws.ToString(up.Group.Description) != "Administrators" || !up.Group.LastModifiedDate.Equal(modified) ||
		!up.Group.CreationDate.Equal(created) {
		t.Fatalf("UpdateGroup = %+v", up.Group)
	}
	_, err = e.Client.UpdateGroup(ctx, &cip.UpdateGroupInput{UserPoolId: aws.String(e.pool), GroupName: aws.String("nope"), Description: aws.String("x")})
	umWantErr(t, err, "ResourceNotFoundException", "Group not found.")

	_, err = e.Client.DeleteGroup(ctx, &cip.DeleteGroupInput{UserPoolId: aws.String(e.pool), GroupName: aws.String("plain")})
	umOK(t, err)
	_, err = e.Client.DeleteGroup(ctx, &cip.DeleteGroupInput{UserPoolId: aws.String(e.pool), GroupName: aws.String("plain")})
	umWantErr(t, err, "ResourceNotFoundException", "Group not found.")
	_, err = e.Client.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: aws.String(e.pool), GroupName: aws.String("x"), Precedence: aws.Int32(-1)})
	umWantErr(t, err, "InvalidParameterException", "1 validation error detected: Value '-1' at 'precedence' failed to satisfy constraint: Member must have value greater than or equal to 0")
}

func TestListGroupsPaginates(t *testing.T) {
	e := newUMEnv(t, nil, nil)
	for i := range 5 {
		_, err := e.Client.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: aws.String(e.pool), GroupName: aws.String(fmt.Sprintf("g%d", i))})
		umOK(t, err)
	}
	var got []string
	var next *string
	pages := 0
	for {
		out, err := e.Client.ListGroups(ctx, &cip.ListGroupsInput{UserPoolId: aws.String(e.pool), Limit: aws.Int32(2), NextToken: next})
		umOK(t, err)
		pages++
		for _, g := range out.Groups {
			got = append(got, aws.ToString(g.GroupName))
		}
		if next = out.NextToken; next == nil {
			break
		}
	}
	if pages != 3 || fmt.Sprint(got) != "[g0 g1 g2 g3 g4]" {
		t.Errorf("%d pages: %v", pages, got)
	}
	out, err := e.Client.ListGroups(ctx, &cip.ListGroupsInput{UserPoolId: aws.String(e.pool)})
	umOK(t, err)
	if len(out.Groups) != 5 || out.NextToken != nil {
		t.Errorf("default limit: %d groups", len(out.Groups))
	}
	empty := newUMEnv(t, nil, nil)
	if body := empty.rawBody("ListGroups", fmt.Sprintf(`{"UserPoolId":%q}`, empty.pool)); body != `{"Groups":[]}` {
		t.Errorf("empty ListGroups: %s", body)
	}
	_, err = e.Client.ListGroups(ctx, &cip.ListGroupsInput{UserPoolId: aws.String("us-east-1_Nope12345")})
	umWantErr(t, err, "ResourceNotFoundException", "User pool us-east-1_Nope12345 does not exist.")
}

func TestGroupMembership(t *testing.T) {
	e := newUMEnv(t, &cip.CreateUserPoolInput{UsernameAttributes: []types.UsernameAttributeType{"email"}}, nil)
	for _, g := range []string{"a", "b", "c"} {
		_, err := e.Client.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: aws.String(e.pool), GroupName: aws.String(g)})
		umOK(t, err)
	}
	var users []string
	for i := range 3 {
		users = append(users, fmt.Sprintf("u%d@example.com", i))
		e.createUser(users[i])
	}
	add := func(user, group string) error {
		_, err := e.Client.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: aws.String(e.pool), Username: aws.String(user), GroupName: aws.String(group)})
		return err
	}
	for _, u := range users {
		umOK(t, add(u, "a"))
	}
	umOK(t, add(users[0], "b"))
	umOK(t, add(users[0], "c"))
	umOK(t, add(users[0], "c")) // idempotent
	umWantErr(t, add("nobody@example.com", "a"), "UserNotFoundException", "User does not exist.")
	umWantErr(t, add(users[0], "nope"), "ResourceNotFoundException", "Group not found.")

	var groups []string
	var next *string
	for {
		out, err := e.Client.AdminListGroupsForUser(ctx, &cip.AdminListGroupsForUserInput{UserPoolId: aws.String(e.pool), Username: aws.String(users[0]),
			Limit: aws.Int32(2), NextToken: next})
		umOK(t, err)
		for _, g := range out.Groups {
			groups = append(groups, aws.ToString(g.GroupName))
			if g.CreationDate == nil || aws.ToString(g.UserPoolId) != e.pool {
				t.Errorf("group %+v", g)
			}
		}
		if next = out.NextToken; next == nil {
			break
		}
	}
	if fmt.Sprint(groups) != "[a b c]" {
		t.Errorf("groups of %s: %v", users[0], groups)
	}
	_, err := e.Client.AdminListGroupsForUser(ctx, &cip.AdminListGroupsForUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("nobody@example.com")})
	umWantErr(t, err, "UserNotFoundException", "User does not exist.")

	var members []string
	next = nil
	pages := 0
	for {
		out, err := e.Client.ListUsersInGroup(ctx, &cip.ListUsersInGroupInput{UserPoolId: aws.String(e.pool), GroupName: aws.String("a"),
			Limit: aws.Int32(2), NextToken: next})
		umOK(t, err)
		pages++
		for _, u := range out.Users {
			members = append(members, umMap(u.Attributes)["email"])
			if u.UserStatus != types.UserStatusTypeConfirmed || !umUUID.MatchString(aws.ToString(u.Username)) {
				t.Errorf("member %+v", u)
			}
		}
		if next = out.NextToken; next == nil {
			break
		}
	}
	slices.Sort(members)
	if pages != 2 || !slices.Equal(members, users) {
		t.Errorf("%d pages of members: %v", pages, members)
	}
	_, err = e.Client.ListUsersInGroup(ctx, &cip.ListUsersInGroupInput{UserPoolId: aws.String(e.pool), GroupName: aws.String("nope")})
	umWantErr(t, err, "ResourceNotFoundException", "Group not found.")

	remove := func(user, group string) error {
		_, err := e.Client.AdminRemoveUserFromGroup(ctx, &cip.AdminRemoveUserFromGroupInput{UserPoolId: aws.String(e.pool), Username: aws.String(user), GroupName: aws.String(group)})
		return err
	}
	umOK(t, remove(users[0], "a"))
	umOK(t, remove(users[0], "a")) // idempotent
	umWantErr(t, remove("nobody@example.com", "a"), "UserNotFoundException", "User does not exist.")
	umWantErr(t, remove(users[0], "nope"), "ResourceNotFoundException", "Group not found.")
	out, err := e.Client.ListUsersInGroup(ctx, &cip.ListUsersInGroupInput{UserPoolId: aws.String(e.pool), GroupName: aws.String("a")})
	umOK(t, err)
	if len(out.Users) != 2 {
		t.Errorf("%d members after removal", len(out.Users))
	}

	// Deleting a group or a user removes memberships.
	_, err = e.Client.DeleteGroup(ctx, &cip.DeleteGroupInput{UserPoolId: aws.String(e.pool), GroupName: aws.String("b")})
	umOK(t, err)
	_, err = e.Client.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: aws.String(e.pool), Username: aws.String(users[1])})
	umOK(t, err)
	lg, err := e.Client.AdminListGroupsForUser(ctx, &cip.AdminListGroupsForUserInput{UserPoolId: aws.String(e.pool), Username: aws.String(users[0])})
	umOK(t, err)
	if len(lg.Groups) != 1 || aws.ToString(lg.Groups[0].GroupName) != "c" {
		t.Errorf("groups after deletions: %+v", lg.Groups)
	}
	out, err = e.Client.ListUsersInGroup(ctx, &cip.ListUsersInGroupInput{UserPoolId: aws.String(e.pool), GroupName: aws.String("a")})
	umOK(t, err)
	if len(out.Users) != 1 || umMap(out.Users[0].Attributes)["email"] != users[2] {
		t.Errorf("members after user deletion: %+v", out.Users)
	}
}
