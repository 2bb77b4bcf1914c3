// SPDX-License-Identifier: GPL-2.0
/*
 * The registry of sending agents and the attachment of pipes to them.
 *
 * Locking and lifetime: msgpipe_agents_lock protects the agent list, every
 * agent's @users count and the list of all pipes that have an agent half.
 * A pipe's agent half is created under that lock, so an agent that is
 * unregistering is never picked. Unregistering detaches every pipe of the
 * agent (its sessions are reset with ENETDOWN) and waits until no pipe uses
 * the agent, so no agent code runs after msgpipe_agent_unregister() returns
 * and the agent's module may go. The host takes no reference on the agent's
 * module: unloading an agent with pipes open is a clean teardown, not EBUSY.
 * Knob reads and writes run under msgpipe_agents_lock too, which keeps the
 * agent registered while its knob ops run and serialises them.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <linux/module.h>
#include <linux/netlink.h>
#include "msgpipe.h"

static DEFINE_MUTEX(msgpipe_agents_lock);
static LIST_HEAD(msgpipe_agents);
static LIST_HEAD(msgpipe_all_pipes);
static DECLARE_WAIT_QUEUE_HEAD(msgpipe_agents_wq);

/* Names of agents and knobs: [a-z0-9_], 1 to MSGPIPE_KNOB_NAME_LEN - 1. */
static bool msgpipe_agent_name_ok(const char *name)
{
	size_t len = name ? strnlen(name, MSGPIPE_KNOB_NAME_LEN) : 0;
	size_t i;

	if (!len || len == MSGPIPE_KNOB_NAME_LEN)
		return false;
	for (i = 0; i < len; i++)
		if (!islower(name[i]) && !isdigit(name[i]) && name[i] != '_')
			return false;
	return true;
}

static int msgpipe_agent_knobs_check(const struct msgpipe_agent *agent)
{
	const struct msgpipe_knob *k = agent->knobs;
	unsigned int i, j;

	if (!agent->nr_knobs)
		return 0;
	if (!k || agent->nr_knobs > 64 || !agent->ops->knob_get ||
	    !agent->ops->knob_set)
		return -EINVAL;
	for (i = 0; i < agent->nr_knobs; i++) {
		if (!msgpipe_agent_name_ok(k[i].name) || k[i].min > k[i].max ||
		    k[i].flags & ~(MSGPIPE_KNOB_F_WRITE_ONLY |
				   MSGPIPE_KNOB_F_TESTING))
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (!strcmp(k[i].name, k[j].name))
				return -EINVAL;
	}
	return 0;
}

static struct msgpipe_agent *msgpipe_agent_find(const char *name)
{
	struct msgpipe_agent *agent;

	lockdep_assert_held(&msgpipe_agents_lock);
	list_for_each_entry(agent, &msgpipe_agents, list)
		if (!strcmp(agent->name, name))
			return agent;
	return NULL;
}

/**
 * msgpipe_agent_register() - make an agent available to new pipes
 * @agent: the agent, with every op set
 *
 * Return: 0; -EINVAL if an op is missing, the ring size is odd or a knob
 * is malformed; -EEXIST if an agent of that name is registered.
 */
int msgpipe_agent_register(struct msgpipe_agent *agent)
{
	const struct msgpipe_agent_ops *ops = agent->ops;
	int err = 0;

	if (!ops || !ops->pipe_create || !ops->pipe_destroy ||
	    !ops->conn_attach || !ops->post || !ops->doorbell ||
	    !ops->forget || !ops->conn_info ||
	    !msgpipe_agent_name_ok(agent->name)) {
		pr_err("agent %s: incomplete ops or bad name, not registered\n",
		       agent->name ?: "(unnamed)");
		return -EINVAL;
	}
	if (agent->sq_depth < 16 || agent->sq_depth > 65536) {
		pr_err("agent %s: sq_depth %u out of 16..65536\n", agent->name,
		       agent->sq_depth);
		return -EINVAL;
	}
	if (msgpipe_agent_knobs_check(agent)) {
		pr_err("agent %s: malformed knobs, not registered\n",
		       agent->name);
		return -EINVAL;
	}
	mutex_lock(&msgpipe_agents_lock);
	if (msgpipe_agent_find(agent->name)) {
		err = -EEXIST;
	} else {
		agent->users = 0;
		list_add_tail(&agent->list, &msgpipe_agents);
	}
	mutex_unlock(&msgpipe_agents_lock);
	if (err)
		pr_err("agent %s: name taken, not registered\n", agent->name);
	else
		pr_info("agent %s registered\n", agent->name);
	return err;
}
EXPORT_SYMBOL_GPL(msgpipe_agent_register);

static struct msgpipe_pipe *msgpipe_agent_next_pipe(struct msgpipe_agent *agent)
{
	struct msgpipe_pipe *pipe;

	list_for_each_entry(pipe, &msgpipe_all_pipes, all_node) {
		if (pipe->agent == agent && READ_ONCE(pipe->apipe) &&
		    refcount_inc_not_zero(&pipe->refs))
			return pipe;
	}
	return NULL;
}

/**
 * msgpipe_agent_unregister() - detach every pipe from an agent and forget it
 * @agent: a registered agent
 *
 * Sleeps until the agent is no longer used.
 */
void msgpipe_agent_unregister(struct msgpipe_agent *agent)
{
	struct msgpipe_pipe *pipe;

	mutex_lock(&msgpipe_agents_lock);
	list_del(&agent->list);
	while ((pipe = msgpipe_agent_next_pipe(agent))) {
		mutex_unlock(&msgpipe_agents_lock);
		msgpipe_pipe_detach(pipe, false);
		msgpipe_pipe_put(pipe);
		mutex_lock(&msgpipe_agents_lock);
	}
	mutex_unlock(&msgpipe_agents_lock);
	/* A pipe detached concurrently by its own teardown may still be in
	 * the agent's pipe_destroy(); wait for it.
	 */
	wait_event(msgpipe_agents_wq, !READ_ONCE(agent->users));
	pr_info("agent %s unregistered\n", agent->name);
}
EXPORT_SYMBOL_GPL(msgpipe_agent_unregister);

/**
 * msgpipe_agent_attach() - give a new pipe its agent half
 * @pipe: a pipe not yet visible to anyone else
 *
 * Return: 0, -ENETDOWN when no agent is registered, or the agent's error.
 */
int msgpipe_agent_attach(struct msgpipe_pipe *pipe)
{
	struct msgpipe_agent *agent;
	struct msgpipe_apipe *ap;
	int err = -ENETDOWN;

	mutex_lock(&msgpipe_agents_lock);
	agent = list_first_entry_or_null(&msgpipe_agents, struct msgpipe_agent,
					 list);
	if (agent) {
		ap = agent->ops->pipe_create(agent, pipe, pipe->nconns);
		if (IS_ERR(ap)) {
			err = PTR_ERR(ap);
		} else {
			ap->agent = agent;
			ap->host = pipe;
			pipe->agent = agent;
			pipe->apipe = ap;
			agent->users++;
			list_add_tail(&pipe->all_node, &msgpipe_all_pipes);
			err = 0;
		}
	}
	mutex_unlock(&msgpipe_agents_lock);
	return err;
}

/**
 * msgpipe_agent_release() - the agent half of @pipe was destroyed
 * @pipe: the pipe
 */
void msgpipe_agent_release(struct msgpipe_pipe *pipe)
{
	mutex_lock(&msgpipe_agents_lock);
	pipe->agent->users--;
	mutex_unlock(&msgpipe_agents_lock);
	wake_up_all(&msgpipe_agents_wq);
}

/**
 * msgpipe_agent_forget() - drop @pipe from the list of attached pipes
 * @pipe: a pipe about to be freed
 */
void msgpipe_agent_forget(struct msgpipe_pipe *pipe)
{
	if (!pipe->agent)
		return;
	mutex_lock(&msgpipe_agents_lock);
	list_del(&pipe->all_node);
	mutex_unlock(&msgpipe_agents_lock);
}

/**
 * msgpipe_agent_pipes() - the pipes of one namespace an agent carries
 * @agent: the agent, registered
 * @mn:    the namespace
 *
 * Under the registry lock (from msgpipe_agent_walk()'s callback).
 *
 * Return: how many.
 */
unsigned int msgpipe_agent_pipes(const struct msgpipe_agent *agent,
				 const struct msgpipe_net *mn)
{
	struct msgpipe_pipe *pipe;
	unsigned int n = 0;

	lockdep_assert_held(&msgpipe_agents_lock);
	list_for_each_entry(pipe, &msgpipe_all_pipes, all_node)
		n += pipe->agent == agent && pipe->mn == mn;
	return n;
}

/**
 * msgpipe_agent_walk() - call @fn on registered agents, for netlink
 * @name: only the agent of this name (then -ENOENT if none), or NULL
 * @pos:  with @name NULL: agents to skip, advanced past each one @fn took
 * @fn:   called under the registry lock (the agent stays registered, its
 *        knob ops may be called); a non-zero return stops the walk
 * @arg:  for @fn
 *
 * Return: what @fn returned last, 0, or -ENOENT.
 */
int msgpipe_agent_walk(const char *name, long *pos,
		       int (*fn)(struct msgpipe_agent *agent, void *arg),
		       void *arg)
{
	struct msgpipe_agent *agent;
	int err = 0;
	long n = 0;

	mutex_lock(&msgpipe_agents_lock);
	if (name) {
		agent = msgpipe_agent_find(name);
		err = agent ? fn(agent, arg) : -ENOENT;
	} else {
		list_for_each_entry(agent, &msgpipe_agents, list) {
			if (n++ < *pos)
				continue;
			err = fn(agent, arg);
			if (err)
				break;
			(*pos)++;
		}
	}
	mutex_unlock(&msgpipe_agents_lock);
	return err;
}

/**
 * msgpipe_agent_knob_set() - set one knob of one agent
 * @name:   the agent
 * @knob:   the knob's name
 * @val:    the new value
 * @extack: where to say why not
 *
 * Return: 0, -ENOENT (no such agent or knob), -ERANGE, or the agent's
 * error.
 */
int msgpipe_agent_knob_set(const char *name, const char *knob, u64 val,
			   struct netlink_ext_ack *extack)
{
	const struct msgpipe_knob *k = NULL;
	struct msgpipe_agent *agent;
	unsigned int i;
	int err;

	mutex_lock(&msgpipe_agents_lock);
	agent = msgpipe_agent_find(name);
	if (!agent) {
		NL_SET_ERR_MSG(extack, "no such agent");
		err = -ENOENT;
		goto out_unlock;
	}
	for (i = 0; i < agent->nr_knobs; i++)
		if (!strcmp(agent->knobs[i].name, knob)) {
			k = &agent->knobs[i];
			break;
		}
	if (!k) {
		NL_SET_ERR_MSG(extack, "the agent has no such knob");
		err = -ENOENT;
		goto out_unlock;
	}
	if (val < k->min || val > k->max) {
		NL_SET_ERR_MSG(extack,
			       "value out of the knob's range (see agent show)");
		err = -ERANGE;
		goto out_unlock;
	}
	err = agent->ops->knob_set(agent, i, val);
	if (err)
		NL_SET_ERR_MSG(extack, "the agent refused the value");
out_unlock:
	mutex_unlock(&msgpipe_agents_lock);
	return err;
}
