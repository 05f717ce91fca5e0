resource "aws_instance" "web" {
  count                       = 2
  ami                         = "ami-0abcdef1234567890"
  instance_type               = "t3.small"
  subnet_id                   = aws_subnet.public[count.index].id
  vpc_security_group_ids      = [aws_security_group.web.id]
  associate_public_ip_address = true
  user_data                   = "export AWS_SECRET_ACCESS_KEY=notasecretjustatest"

  root_block_device {
    volume_size = 20
    encrypted   = false
  }
}

resource "aws_ebs_volume" "data" {
  availability_zone = "${var.region}a"
  size              = 100
}

resource "aws_lb" "web" {
  name               = "${var.name}-lb"
  load_balancer_type = "application"
  subnets            = aws_subnet.public[*].id
  security_groups    = [aws_security_group.web.id]
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.web.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.web.arn
  }
}

resource "aws_lb_target_group" "web" {
  name     = "${var.name}-tg"
  port     = 80
  protocol = "HTTP"
  vpc_id   = aws_vpc.main.id
}
